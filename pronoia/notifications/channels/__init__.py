"""Delivery channels: one adapter per outside channel (e-mail, SMS, web push), chosen by settings."""
