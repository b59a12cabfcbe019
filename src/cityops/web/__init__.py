"""The web layer's services: pages' data (stations and their state, downsampled series),
live events for Server-Sent Events, static assets and languages. No FastAPI here: the
routers live in ``cityops.api.web_*``; templates and static files live beside this module.

Modules: ``stations`` (a city's stations, their values and trends), ``state`` (the one
judgement of a state: badge, list and incident agree), ``series`` (downsampled series
in SQL), ``events`` (live events, filtered per client), ``cities`` (the city a page
shows, its areas, the network), ``warnings`` (the public page's warnings),
``alert_page`` (the page of one CAP message: texts in the reader's language, local times,
its chain), ``i18n`` (the reader's language and the public page's labels),
``translations`` (the gettext catalogues of the operator pages and the public page),
``units`` (UCUM codes shown as symbols, a precision per quantity), ``assets`` (the
JavaScript libraries and the script fonts from ``node_modules``).
"""
