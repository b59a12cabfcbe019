"""IATI 2.03 code lists that the programme register uses.

Only the lists CityOps validates against are kept here, copied by meaning from the
published IATI codelists (ActivityStatus, ActivityDateType, OrganisationRole,
OrganisationType, TransactionType, SectorVocabulary, ResultType, IndicatorMeasure).
"""

from __future__ import annotations

from typing import Final

#: ActivityStatus: lifecycle of an activity.
ACTIVITY_STATUS: Final[dict[int, str]] = {
    1: "Pipeline/identification",
    2: "Implementation",
    3: "Finalisation",
    4: "Closed",
    5: "Cancelled",
    6: "Suspended",
}

#: ActivityDateType codes, keyed by the Project attribute they fill.
ACTIVITY_DATE_TYPES: Final[dict[str, str]] = {
    "planned_start": "1",
    "actual_start": "2",
    "planned_end": "3",
    "actual_end": "4",
}

#: OrganisationRole: IATI code -> the role name used in the model.
ROLE_BY_CODE: Final[dict[str, str]] = {
    "1": "funding",
    "2": "accountable",
    "3": "extending",
    "4": "implementing",
}
CODE_BY_ROLE: Final[dict[str, str]] = {name: code for code, name in ROLE_BY_CODE.items()}

#: OrganisationType codes (2.03).
ORGANISATION_TYPES: Final[dict[str, str]] = {
    "10": "Government",
    "11": "Local Government",
    "15": "Other Public Sector",
    "21": "International NGO",
    "22": "National NGO",
    "23": "Regional NGO",
    "24": "Partner Country based NGO",
    "30": "Public Private Partnership",
    "40": "Multilateral",
    "60": "Foundation",
    "70": "Private Sector",
    "71": "Private Sector in Provider Country",
    "72": "Private Sector in Aid Recipient Country",
    "73": "Private Sector in Third Country",
    "80": "Academic, Training and Research",
    "90": "Other",
}

#: TransactionType codes (2.03). Analysis uses 2, 3 and 4.
TRANSACTION_TYPES: Final[dict[int, str]] = {
    1: "Incoming Funds",
    2: "Outgoing Commitment",
    3: "Disbursement",
    4: "Expenditure",
    5: "Interest Payment",
    6: "Loan Repayment",
    7: "Reimbursement",
    8: "Purchase of Equity",
    9: "Sale of Equity",
    10: "Credit Guarantee",
    11: "Incoming Commitment",
    12: "Outgoing Pledge",
    13: "Incoming Pledge",
}
COMMITMENT: Final = 2
DISBURSEMENT: Final = 3
EXPENDITURE: Final = 4

#: SectorVocabulary 1: OECD DAC CRS purpose codes (5 digits).
DAC_5_DIGIT: Final = "1"

#: OECD DAC CRS purpose codes (IATI "Sector" codelist, vocabulary 1) that smart-city and
#: resilience work uses, with their published names. Source: OECD DAC/CRS purpose codes as
#: republished by IATI (iatistandard.org, codelist "Sector"). Any 5-digit code is accepted;
#: one not listed here is shown by its code with "(DAC purpose code)".
PURPOSE_CODES: Final[dict[str, str]] = {
    "14010": "Water sector policy and administrative management",
    "14015": "Water resources conservation (including data collection)",
    "14020": "Water supply and sanitation - large systems",
    "15110": "Public sector policy and administrative management",
    "15112": "Decentralisation and support to subnational government",
    "21010": "Transport policy and administrative management",
    "21020": "Road transport",
    "22010": "Communications policy and administrative management",
    "22040": "Information and communication technology (ICT)",
    "23110": "Energy policy and administrative management",
    "41010": "Environmental policy and administrative management",
    "41020": "Biosphere protection",
    "41081": "Environmental education/training",
    "43030": "Urban development and management",
    "43040": "Rural development",
    "43060": "Disaster Risk Reduction",
    "74020": "Multi-hazard response preparedness",
}


def sector_name(code: str) -> str:
    """The DAC name of a purpose code, or the code marked as one when it is not listed."""
    name = PURPOSE_CODES.get(code)
    return f"{name} ({code})" if name else f"{code} (DAC purpose code)"


#: BudgetType and BudgetStatus (2.03).
BUDGET_TYPES: Final[dict[str, str]] = {"1": "Original", "2": "Revised"}
BUDGET_STATUS: Final[dict[str, str]] = {"1": "Indicative", "2": "Committed"}

#: ResultType and IndicatorMeasure codes.
RESULT_TYPES: Final[dict[str, str]] = {"1": "Output", "2": "Outcome", "3": "Impact", "9": "Other"}
INDICATOR_MEASURES: Final[dict[str, str]] = {
    "1": "Unit",
    "2": "Percentage",
    "3": "Nominal",
    "4": "Ordinal",
    "5": "Qualitative",
}

#: WGS 84 as IATI names it on location/point/@srsName.
SRS_WGS84: Final = "http://www.opengis.net/def/crs/EPSG/0/4326"

#: Namespace of CityOps' own IATI extension elements (cities, milestones, envelope):
#: IATI allows extensions in any explicit namespace other than its own.
CITYOPS_NS: Final = "urn:cityops:iati-extension:1"
