"""The web layer's services: pages' data (stations and their state, downsampled series),
live events for Server-Sent Events, static assets and languages. No FastAPI here: the
routers live in ``cityops.api.web_*``; templates and static files live beside this module.
"""
