"""Exposure: who and what is inside an incident's or alert's area.

Modules: ``compute`` (pure: area-weighted population and households from ward polygons,
facilities inside, nearest shelters outside, the composer's sentence), ``wording`` (that
sentence in each language of an alert, from the gettext catalogues), ``layers`` (the
organisation's ward and facility datasets, and the area of an alert or incident).
"""
