"""The SensorThings API v1.1 under /v1.1."""
