"""The SensorThings catalogue of the demo world: sensors, observed properties and the
datastream kinds each demo Thing carries (name, property, sensor, unit)."""

from __future__ import annotations

from typing import Any, NamedTuple

UCUM = "http://unitsofmeasure.org/ucum.html"


class Kind(NamedTuple):
    """A kind of datastream: key, observed property, sensor, UCUM unit and its name."""

    key: str
    prop: str
    sensor: str
    unit: str
    unit_name: str


SENSORS: dict[str, dict[str, Any]] = {
    "gauge": {
        "name": "River level gauge",
        "description": "Staff gauge or pressure transducer "
        "reading the water level above the station's gauge datum",
        "encodingType": "text/html",
        "metadata": "https://portal.mrcmekong.org/",
    },
    "weather": {
        "name": "Automatic weather station",
        "description": "Air temperature, relative "
        "humidity (shaded) and a tipping-bucket rain gauge",
        "encodingType": "text/html",
        "metadata": "https://community.wmo.int/",
    },
    "pm25": {
        "name": "PM2.5 monitor",
        "description": "Optical particle counter, hourly PM2.5",
        "encodingType": "text/html",
        "metadata": "https://www.airnow.gov/",
    },
    "engine": {
        "name": "CityOps hazard engine",
        "description": "Indices derived by CityOps rules from other datastreams",
        "encodingType": "text/html",
        "metadata": "https://github.com/",
    },
}

PROPERTIES: dict[str, dict[str, Any]] = {
    "water_level": {
        "name": "Water level",
        "definition": "http://vocab.nerc.ac.uk/collection/P07/current/CFSN0721/",
        "description": "River stage above gauge datum",
    },
    "temperature": {
        "name": "Air temperature",
        "definition": "http://vocab.nerc.ac.uk/collection/P07/current/CFSN0023/",
        "description": "Air temperature at 2 m",
    },
    "humidity": {
        "name": "Relative humidity",
        "definition": "http://vocab.nerc.ac.uk/collection/P07/current/CFSN0413/",
        "description": "Relative humidity at 2 m",
    },
    "rain": {
        "name": "Precipitation",
        "definition": "http://vocab.nerc.ac.uk/collection/P07/current/CFSN0670/",
        "description": "Rain since the previous report",
    },
    "pm25": {
        "name": "PM2.5",
        "definition": "http://vocab.nerc.ac.uk/collection/P07/current/CFSN0642/",
        "description": "Mass concentration of particles below 2.5 µm",
    },
    "heat_index": {
        "name": "Heat index",
        "definition": "https://www.wpc.ncep.noaa.gov/html/heatindex_equation.shtml",
        "description": "NWS heat index",
    },
    "vn_aqi": {
        "name": "VN_AQI",
        "definition": "https://cem.gov.vn/",
        "description": "Viet Nam air quality index (Decision 1459/QĐ-TCMT), hourly",
    },
    "aqi": {
        "name": "Air Quality Index",
        "definition": "https://www.airnow.gov/aqi/",
        "description": "US EPA AQI (NowCast)",
    },
}

LEVEL = Kind("level", "water_level", "gauge", "m", "metre")
WEATHER = (
    Kind("temperature", "temperature", "weather", "Cel", "degree Celsius"),
    Kind("humidity", "humidity", "weather", "%", "percent"),
    Kind("rain", "rain", "weather", "mm", "millimetre"),
    Kind("heat_index", "heat_index", "engine", "[degF]", "degree Fahrenheit"),
)
AIR = (
    Kind("pm25", "pm25", "pm25", "ug/m3", "microgram per cubic metre"),
    Kind("aqi", "aqi", "engine", "{AQI}", "AQI"),
)

VN_AQI = Kind("vn_aqi", "vn_aqi", "engine", "{AQI}", "VN_AQI")


def air_kinds(city: Any) -> tuple[Kind, ...]:
    """The air monitor's datastreams: a Vietnamese city reports VN_AQI beside the EPA AQI."""
    return (*AIR, VN_AQI) if city.country_iso2 == "VN" else AIR


def unit_json(kind: Kind) -> dict[str, str]:
    """The SensorThings unitOfMeasurement of a datastream kind (UCUM code as symbol)."""
    return {"name": kind.unit_name, "symbol": kind.unit, "definition": f"{UCUM}#{kind.unit}"}
