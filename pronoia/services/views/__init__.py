"""Pages of applications: the person's (citizen.py) and the back office's (backoffice.py)."""
