"""The synthetic region: Landkreis Göttingen with the former Landkreis Osterode am Harz.

A small curated table of real places (postcode, name and coordinates after the GeoNames postal
code file, CC BY 4.0, www.geonames.org; rough population in thousands), the two Jobcenter
offices with their teams, and the commuting ties to towns outside the district where claimants
also find work. `urban` is 0 for the city of Göttingen, 1 for a town, 2 for a village; the hidden
travel model of the ground truth uses it (public transport is thin in the villages).
"""

from __future__ import annotations

from dataclasses import dataclass

CITY, TOWN, RURAL = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Place:
    postcode: str
    name: str
    lat: float
    lon: float
    pop: float  # inhabitants, thousands (approximate)
    jobcenter: str | None  # None: outside the district (vacancies only)
    team: str | None  # area team of the Jobcenter
    urban: int  # CITY, TOWN or RURAL
    jobs: float  # relative weight as a place of work


# fmt: off
PLACES: tuple[Place, ...] = (
    # Göttingen (city): several postcodes
    Place("37073", "Göttingen", 51.5364, 9.939, 16, "JC-GOE", "GOE-Mitte", CITY, 40),
    Place("37075", "Göttingen", 51.5509, 9.9328, 20, "JC-GOE", "GOE-Nord", CITY, 22),
    Place("37077", "Göttingen", 51.5604, 9.9319, 18, "JC-GOE", "GOE-Nord", CITY, 14),
    Place("37079", "Göttingen", 51.5333, 9.9333, 22, "JC-GOE", "GOE-Mitte", CITY, 30),
    Place("37081", "Göttingen", 51.5335, 9.8993, 20, "JC-GOE", "GOE-Mitte", CITY, 14),
    Place("37083", "Göttingen", 51.513, 9.9535, 14, "JC-GOE", "GOE-Sued", CITY, 14),
    Place("37085", "Göttingen", 51.5333, 9.9333, 10, "JC-GOE", "GOE-Sued", CITY, 8),
    # southern and western Landkreis
    Place("34346", "Hann. Münden", 51.4151, 9.6505, 23, "JC-GOE", "GOE-Muenden", TOWN, 14),
    Place("34355", "Staufenberg", 51.35, 9.6333, 8, "JC-GOE", "GOE-Muenden", RURAL, 2),
    Place("37120", "Bovenden", 51.5884, 9.9222, 13, "JC-GOE", "GOE-Nord", TOWN, 5),
    Place("37124", "Rosdorf", 51.5, 9.9, 12, "JC-GOE", "GOE-Sued", TOWN, 7),
    Place("37127", "Dransfeld", 51.4991, 9.7618, 4.5, "JC-GOE", "GOE-Muenden", RURAL, 2),
    Place("37127", "Jühnde", 51.4667, 9.8, 1, "JC-GOE", "GOE-Muenden", RURAL, 0.3),
    Place("37127", "Scheden", 51.45, 9.7333, 2, "JC-GOE", "GOE-Muenden", RURAL, 0.4),
    Place("37130", "Gleichen", 51.4667, 10.0333, 9, "JC-GOE", "GOE-Sued", RURAL, 2),
    Place("37133", "Friedland", 51.4192, 9.9176, 10, "JC-GOE", "GOE-Sued", RURAL, 3),
    Place("37139", "Adelebsen", 51.5827, 9.7546, 6.5, "JC-GOE", "GOE-Nord", RURAL, 1.5),
    # eastern Landkreis: Eichsfeld and Radolfshausen
    Place("37115", "Duderstadt", 51.5131, 10.2595, 20, "JC-GOE", "GOE-Duderstadt", TOWN, 14),
    Place("37136", "Ebergötzen", 51.571, 10.1063, 2, "JC-GOE", "GOE-Duderstadt", RURAL, 0.6),
    Place("37136", "Seulingen", 51.5413, 10.1626, 1.5, "JC-GOE", "GOE-Duderstadt", RURAL, 0.3),
    Place("37136", "Waake", 51.5564, 10.0571, 1.5, "JC-GOE", "GOE-Duderstadt", RURAL, 0.3),
    Place("37136", "Landolfshausen", 51.5333, 10.1, 2, "JC-GOE", "GOE-Duderstadt", RURAL, 0.3),
    Place("37434", "Gieboldehausen", 51.6096, 10.2162, 4, "JC-GOE", "GOE-Duderstadt", RURAL, 2),
    Place("37434", "Rhumspringe", 51.5833, 10.3, 2, "JC-GOE", "GOE-Duderstadt", RURAL, 0.5),
    Place("37434", "Bilshausen", 51.6297, 10.1586, 2, "JC-GOE", "GOE-Duderstadt", RURAL, 0.5),
    # former Landkreis Osterode am Harz
    Place("37520", "Osterode am Harz", 51.7269, 10.2509, 21, "JC-OHA", "OHA-Osterode", TOWN, 16),
    Place("37534", "Gittelde", 51.7984, 10.1878, 2, "JC-OHA", "OHA-Osterode", RURAL, 0.8),
    Place("37534", "Badenhausen", 51.77, 10.2049, 1.5, "JC-OHA", "OHA-Osterode", RURAL, 0.5),
    Place("37539", "Bad Grund (Harz)", 51.8167, 10.2333, 3, "JC-OHA", "OHA-Osterode", RURAL, 1),
    Place("37539", "Windhausen", 51.7854, 10.2122, 1, "JC-OHA", "OHA-Osterode", RURAL, 0.3),
    Place("37197", "Hattorf am Harz", 51.6482, 10.2386, 4, "JC-OHA", "OHA-Herzberg", RURAL, 1.5),
    Place("37199", "Wulften", 51.66, 10.1744, 2, "JC-OHA", "OHA-Herzberg", RURAL, 0.5),
    Place("37412", "Herzberg am Harz", 51.6555, 10.3394, 13, "JC-OHA", "OHA-Herzberg", TOWN, 8),
    Place("37412", "Hörden", 51.6683, 10.2837, 1, "JC-OHA", "OHA-Herzberg", RURAL, 0.3),
    Place("37431", "Bad Lauterberg im Harz", 51.6327, 10.4703, 10, "JC-OHA", "OHA-Herzberg", TOWN, 4),
    Place("37441", "Bad Sachsa", 51.595, 10.5555, 7, "JC-OHA", "OHA-Herzberg", TOWN, 2.5),
    Place("37445", "Walkenried", 51.5833, 10.6167, 2, "JC-OHA", "OHA-Herzberg", RURAL, 0.6),
    Place("37447", "Wieda", 51.634, 10.587, 1.2, "JC-OHA", "OHA-Herzberg", RURAL, 0.3),
    Place("37449", "Zorge", 51.6333, 10.6333, 0.9, "JC-OHA", "OHA-Herzberg", RURAL, 0.2),
    # commuting ties outside the district (vacancies only)
    Place("37154", "Northeim", 51.7066, 10.0, 29, None, None, TOWN, 12),
    Place("37176", "Nörten-Hardenberg", 51.6288, 9.9359, 8, None, None, RURAL, 3),
    Place("37574", "Einbeck", 51.8202, 9.8696, 31, None, None, TOWN, 8),
    Place("34117", "Kassel", 51.3166, 9.4912, 100, None, None, CITY, 16),
    Place("34123", "Kassel", 51.2988, 9.5297, 100, None, None, CITY, 8),
    Place("99734", "Nordhausen", 51.5018, 10.7957, 41, None, None, TOWN, 6),
    Place("37308", "Heilbad Heiligenstadt", 51.3782, 10.1374, 17, None, None, TOWN, 5),
    Place("38640", "Goslar", 51.9191, 10.4167, 50, None, None, TOWN, 5),
    Place("38723", "Seesen", 51.891, 10.1785, 19, None, None, TOWN, 4),
    Place("38678", "Clausthal-Zellerfeld", 51.8095, 10.3382, 15, None, None, TOWN, 2.5),
)
# fmt: on

JOBCENTERS: dict[str, str] = {
    "JC-GOE": "Jobcenter Landkreis Göttingen, Standorte Göttingen, Hann. Münden, Duderstadt",
    "JC-OHA": "Jobcenter Landkreis Göttingen, Standorte Osterode am Harz, Herzberg am Harz",
}

# Area teams with the number of case managers; each Jobcenter also has a U25 team.
TEAMS: tuple[tuple[str, str, int], ...] = (
    ("JC-GOE", "GOE-Mitte", 9),
    ("JC-GOE", "GOE-Nord", 6),
    ("JC-GOE", "GOE-Sued", 5),
    ("JC-GOE", "GOE-Muenden", 5),
    ("JC-GOE", "GOE-Duderstadt", 5),
    ("JC-GOE", "GOE-U25", 6),
    ("JC-OHA", "OHA-Osterode", 6),
    ("JC-OHA", "OHA-Herzberg", 5),
    ("JC-OHA", "OHA-U25", 3),
)


def case_managers() -> dict[str, tuple[str, ...]]:
    """Pseudonymous case-manager ids (fm-001, ...) per team, in the fixed order of TEAMS."""
    out: dict[str, tuple[str, ...]] = {}
    n = 0
    for _, team, k in TEAMS:
        out[team] = tuple(f"fm-{n + i + 1:03d}" for i in range(k))
        n += k
    return out


def u25_team(jobcenter: str) -> str:
    return "GOE-U25" if jobcenter == "JC-GOE" else "OHA-U25"


HOME_PLACES: tuple[Place, ...] = tuple(p for p in PLACES if p.jobcenter is not None)

# Postcode → urban class; a postcode shared by a town and villages counts as its most urban place.
URBAN_BY_POSTCODE: dict[str, int] = {}
for _p in PLACES:
    URBAN_BY_POSTCODE[_p.postcode] = min(URBAN_BY_POSTCODE.get(_p.postcode, RURAL), _p.urban)
del _p


def urban_class(postcode: str) -> int:
    """CITY, TOWN or RURAL for a postcode of the region; TOWN for any other postcode."""
    return URBAN_BY_POSTCODE.get(postcode, TOWN)


def claimant_weight(p: Place) -> float:
    """Relative number of SGB II claimants living in a place: SGB II rates are higher in the city
    and in the Harz towns than in the villages around Göttingen."""
    rate = {CITY: 1.35, TOWN: 1.15, RURAL: 0.7}[p.urban]
    if p.jobcenter == "JC-OHA":
        rate *= 1.15
    return p.pop * rate
