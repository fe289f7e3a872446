"""Tests for matcher.geo: postcode directory from the shipped data, distance, commute estimate."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from matcher import geo
from matcher.errors import GeoError, ValidationError

GEONAMES_DE = Path(__file__).resolve().parents[3] / "shared" / "data" / "geo" / "geonames_postal_DE.txt"


@pytest.fixture(scope="module")
def directory() -> geo.PostcodeDirectory:
    return geo.load_directory()


@pytest.fixture(scope="module")
def reference() -> dict[str, tuple[float, float]]:
    """Postcode → mean (lat, lon) of its places in the GeoNames DE reference file (tests only)."""
    if not GEONAMES_DE.is_file():
        pytest.skip(f"reference file {GEONAMES_DE} is absent (shared test data not laid out)")
    sums: dict[str, list[float]] = {}
    with GEONAMES_DE.open(encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            acc = sums.setdefault(cols[1], [0.0, 0.0, 0.0])
            acc[0] += float(cols[9])
            acc[1] += float(cols[10])
            acc[2] += 1
    return {code: (a[0] / a[2], a[1] / a[2]) for code, a in sums.items()}


# --- haversine ---------------------------------------------------------------------------------------
def test_haversine_goettingen_osterode_matches_hand_computation() -> None:
    # GeoNames centres: 37073 Göttingen (51.5364, 9.939), 37520 Osterode (51.7269, 10.2509).
    # By hand (equirectangular, fine at 30 km): dlat 0.1905° × 111.195 = 21.18 km;
    # dlon 0.3119° × cos(51.63°) × 111.195 = 21.53 km; sqrt(21.18² + 21.53²) = 30.20 km.
    d = geo.haversine_km(51.5364, 9.939, 51.7269, 10.2509)
    assert isinstance(d, float)
    assert d == pytest.approx(30.20, abs=0.05)


def test_haversine_known_long_distance_and_zero() -> None:
    # One degree of latitude on the mean-radius sphere: 2πR/360.
    assert geo.haversine_km(50.0, 10.0, 51.0, 10.0) == pytest.approx(2 * math.pi * 6371.0088 / 360, rel=1e-9)
    assert geo.haversine_km(51.5, 9.9, 51.5, 9.9) == 0.0


def test_haversine_vectorised_equals_scalar_and_broadcasts() -> None:
    rng = np.random.default_rng(7)
    lats = rng.uniform(47.3, 55.0, 500)
    lons = rng.uniform(5.9, 15.0, 500)
    vec = geo.haversine_km(51.5364, 9.939, lats, lons)
    assert vec.shape == (500,)
    expected = [geo.haversine_km(51.5364, 9.939, float(a), float(b)) for a, b in zip(lats, lons, strict=True)]
    np.testing.assert_allclose(vec, expected, rtol=1e-12)
    # Symmetric.
    np.testing.assert_allclose(geo.haversine_km(lats, lons, 51.5364, 9.939), vec, rtol=1e-12)


# --- commute -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", list(geo.Mode))
@pytest.mark.parametrize("rurality", [0.0, 0.5, 1.0])
def test_commute_monotonic_in_distance(mode: geo.Mode, rurality: float) -> None:
    d = np.linspace(0.0, 120.0, 2401)
    m = geo.commute_minutes(d, mode, rurality)
    finite = np.isfinite(m)
    assert np.all(np.diff(m[finite]) >= 0)
    # Strictly longer once past the same-postcode floor.
    assert m[finite][-1] > m[finite][np.searchsorted(d[finite], 3.0)]
    # Once out of range, always out of range.
    if not finite.all():
        assert not finite[np.argmax(~finite) :].any()


def test_commute_monotonic_in_rurality() -> None:
    r = np.linspace(0, 1, 101)
    for mode in geo.Mode:
        for km in (0.0, 2.0, 4.0):  # within every mode's range, walk included
            m = geo.commute_minutes(km, mode, r)
            assert np.all(np.diff(m) >= 0), (mode, km)
    m = geo.commute_minutes(30.0, "public", r)
    assert m[-1] > m[0] + 20  # the rural penalty is real, not only non-negative


def test_public_slower_than_car_for_rural_trip(directory: geo.PostcodeDirectory) -> None:
    home, work = directory.lookup("37115"), directory.lookup("37520")  # Duderstadt → Osterode
    d = geo.haversine_km(home.lat, home.lon, work.lat, work.lon)
    r = max(home.rurality, work.rurality)
    assert r > 0.5
    car = geo.commute_minutes(d, "car", r)
    public = geo.commute_minutes(d, geo.Mode.PUBLIC, r)
    assert public > car + 20
    # And over all distances, public is never faster than the car.
    ds = np.linspace(0, 100, 501)
    assert np.all(geo.commute_minutes(ds, "public", 1.0) > geo.commute_minutes(ds, "car", 1.0))


def test_commute_plausible_values() -> None:
    # Göttingen → Osterode, 30.2 km straight line: ~40-45 min by car, ~1.5 h by bus and train.
    car = geo.commute_minutes(30.2, "car", 0.63)
    public = geo.commute_minutes(30.2, "public", 0.63)
    assert 35 <= car <= 50
    assert 75 <= public <= 110
    assert geo.commute_minutes(3.0, "bike") == pytest.approx(2 + 3 * 1.25 / 15 * 60)
    assert geo.commute_minutes(30.0, "bike") == math.inf
    assert geo.commute_minutes(6.0, "walk") == math.inf


def test_commute_broadcasts_distance_and_rurality() -> None:
    d = np.array([1.0, 10.0, 40.0])
    r = np.array([0.0, 0.5, 1.0])
    m = geo.commute_minutes(d, "public", r)
    assert m.shape == (3,)
    assert m[1] == pytest.approx(geo.commute_minutes(10.0, "public", 0.5))
    with pytest.raises(ValueError):
        geo.commute_minutes(1.0, "horse")


# --- directory ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("postcode", "place"),
    [
        ("37073", "Göttingen"),
        ("37520", "Osterode am Harz"),
        ("37154", "Northeim"),
        ("37412", "Herzberg am Harz"),
        ("37115", "Duderstadt"),
    ],
)
def test_goettingen_region_postcodes_resolve_near_geonames(
    directory: geo.PostcodeDirectory, reference: dict[str, tuple[float, float]], postcode: str, place: str
) -> None:
    p = directory.lookup(postcode)
    assert p.postcode == postcode
    assert place in p.names
    assert p.state == "Niedersachsen"
    assert p.delivery
    lat, lon = reference[postcode]
    assert geo.haversine_km(p.lat, p.lon, lat, lon) < 5.0


def test_districts(directory: geo.PostcodeDirectory) -> None:
    assert directory.lookup("37073").district == "Landkreis Göttingen"
    assert directory.lookup("37520").district == "Landkreis Göttingen"  # former LK Osterode, since 2016
    codes = {p.postcode for p in directory.places_in_district("Landkreis Göttingen")}
    assert {"37073", "37520", "37412", "37115"} <= codes
    assert "37154" not in codes  # Northeim is its own Landkreis
    with pytest.raises(GeoError, match="not known"):
        directory.places_in_district("Landkreis Atlantis")


def test_coverage_of_geonames_reference(
    directory: geo.PostcodeDirectory, reference: dict[str, tuple[float, float]]
) -> None:
    found = [code for code in reference if directory.is_known(code)]
    assert len(found) / len(reference) >= 0.99
    # And the coordinates agree: 99 % of them within 5 km of the reference centre.
    lats, lons, _ = directory.coordinates(found)
    ref = np.array([reference[c] for c in found])
    dist = geo.haversine_km(lats, lons, ref[:, 0], ref[:, 1])
    assert np.mean(dist < 5.0) >= 0.99


def test_rurality_orders_city_town_countryside(directory: geo.PostcodeDirectory) -> None:
    city = directory.lookup("37073").rurality  # Göttingen
    town = directory.lookup("37520").rurality  # Osterode am Harz
    village = directory.lookup("17291").rurality  # Uckermark villages
    assert city < town < village
    assert city == 0.0
    assert village == 1.0
    assert np.all((directory.rurality >= 0) & (directory.rurality <= 1))


@pytest.mark.parametrize("bad", ["3752", "abcde", "123456", "", "37 07", "3707a", "٣٧٠٧٣"])
def test_malformed_postcodes_raise_clear_error(directory: geo.PostcodeDirectory, bad: str) -> None:
    with pytest.raises(GeoError, match="malformed: a German postcode is exactly five digits"):
        directory.lookup(bad)
    assert not directory.is_known(bad)


def test_unknown_postcode_raises(directory: geo.PostcodeDirectory) -> None:
    with pytest.raises(GeoError, match="00000 is not a known German postcode"):
        directory.lookup("00000")
    assert not directory.is_known("00000")
    with pytest.raises(GeoError, match="00000"):
        directory.coordinates(["37073", "00000"])


def test_lookup_strips_blanks_and_module_shortcut(directory: geo.PostcodeDirectory) -> None:
    assert directory.lookup(" 37073 ") == geo.lookup("37073")
    assert geo.load_directory() is directory  # cached


def test_coordinates_vectorised(directory: geo.PostcodeDirectory) -> None:
    lats, lons, rur = directory.coordinates(["37520", "37073"])
    assert lats[1] == directory.lookup("37073").lat
    assert lons[0] == directory.lookup("37520").lon
    assert rur[0] == directory.lookup("37520").rurality


def test_attribution_names_geonames_and_licence() -> None:
    assert "GeoNames" in geo.DATA_ATTRIBUTION
    assert "CC BY 4.0" in geo.DATA_ATTRIBUTION


# --- placing (issue 16: coordinates far from the postcode) -------------------------------------------
def test_radius_is_the_farthest_place_from_the_postcode_centre(directory: geo.PostcodeDirectory) -> None:
    assert directory.lookup("37083").radius_km == 0.0  # one place
    rows = [
        geo.PlaceRow("11111", "A", "X", 50.0, 10.0),
        geo.PlaceRow("11111", "B", "X", 50.2, 10.0),
        geo.PlaceRow("22222", "C", "X", 51.0, 10.0),
    ]
    small = geo.PostcodeDirectory.from_rows(rows, {})
    assert small.lookup("11111").radius_km == pytest.approx(geo.haversine_km(50.0, 10.0, 50.1, 10.0))
    assert small.lookup("22222").radius_km == 0.0
    # The widest postcode of places (several villages) spreads 32 km.
    assert directory.lookup("14778").radius_km == pytest.approx(32.4, abs=0.1)


def test_settle_checks_given_coordinates_and_fills_missing_ones(directory: geo.PostcodeDirectory) -> None:
    def locate(code: str) -> geo.Located:
        return geo.located(directory.lookup(code))

    centre = directory.lookup("37083")
    assert geo.settle("37083", None, None, "", locate) == (centre.lat, centre.lon, "Göttingen")
    assert geo.settle("37083", 51.6, 9.95, "", locate) == (51.6, 9.95, "Göttingen")  # 9.7 km off
    with pytest.raises(ValidationError) as err:
        geo.settle("37083", 48.2082, 16.3738, "Göttingen", locate)  # Vienna
    assert (err.value.field, err.value.reason) == (
        "lat",
        "the coordinates lie 589 km from the postcode's places (at most 20 km)",
    )
    with pytest.raises(ValidationError, match="lat: the coordinates lie 21 km"):
        geo.settle("37083", centre.lat + 21 / 111.2, centre.lon, "", locate)
    # A postcode of several villages allows their spread plus the margin.
    wide = directory.lookup("14778")
    geo.check_near(wide.lat + (wide.radius_km + 19) / 111.2, wide.lon, geo.located(wide))
    # An unknown postcode: taken as it is when it gives coordinates and place, refused otherwise.
    assert geo.settle("00001", 51.0, 10.0, "Neuort", locate) == (51.0, 10.0, "Neuort")
    with pytest.raises(ValidationError, match="postcode: postcode 00001 is not a known German postcode"):
        geo.settle("00001", 51.0, 10.0, "", locate)
