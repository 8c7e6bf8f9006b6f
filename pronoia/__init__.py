"""Pronoia: the digital front door of a national social-insurance institution."""
