"""Occupations typical for SGB II job seekers: KldB 2010 code, German title, variants, requirements.

Curated by hand. Codes are five-digit KldB 2010 (revised 2020) Berufsgattungen; the fifth digit is
the Anforderungsniveau (1 helper, 2 skilled, 3 specialist, 4 expert). Wages are typical gross
hourly wages in euro for 2026 in southern Lower Saxony (statutory minimum wage 13.90 €/h; the
care minimum wages are higher). ``temp`` is the share of vacancies offered by temp agencies;
``cw``/``vw`` are relative weights among claimants' target occupations and among vacancies;
``pt`` is the share of part-time vacancies.
"""

# The table below keeps one occupation per line, so that it reads (and diffs) as a table.
# ruff: noqa: E501
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from matcher.domain import CEFR, PhysicalLoad, Shifts, SkillLevel

_SHIFT_CODES = {
    "d": Shifts.DAY,
    "2": Shifts.TWO_SHIFT,
    "3": Shifts.THREE_SHIFT,
    "n": Shifts.NIGHT,
    "w": Shifts.WEEKEND,
}


@dataclass(frozen=True, slots=True)
class Occupation:
    kldb: str
    title: str
    synonyms: tuple[str, ...]
    sector: str  # WZ 2008 section letter of a typical employer
    german: CEFR  # German level typically asked for
    load: PhysicalLoad
    wage: float  # typical gross hourly wage, euro (2026)
    temp: float  # share of vacancies from temp agencies
    shifts: tuple[Shifts, ...]  # typical shift patterns (first: most common)
    keywords: tuple[str, ...]
    cw: float  # weight among claimants' target occupations
    vw: float  # weight among vacancies
    pt: float  # share of part-time vacancies
    licences: tuple[str, ...] = ()
    en: str = ""  # English title for the English-language profiles

    @property
    def level(self) -> SkillLevel:
        return SkillLevel(int(self.kldb[4]))

    @property
    def names(self) -> tuple[str, ...]:
        return (self.title, *self.synonyms)


def _o(
    kldb: str,
    title: str,
    synonyms: str,
    sector: str,
    german: str,
    load: int,
    wage: float,
    temp: float,
    shifts: str,
    keywords: str,
    cw: float,
    vw: float,
    pt: float = 0.15,
    lic: str = "",
    en: str = "",
) -> Occupation:
    return Occupation(
        kldb=kldb,
        title=title,
        synonyms=tuple(s.strip() for s in synonyms.split(";") if s.strip()),
        sector=sector,
        german=CEFR[german],
        load=PhysicalLoad(load),
        wage=wage,
        temp=temp,
        shifts=tuple(_SHIFT_CODES[ch] for ch in shifts),
        keywords=tuple(k.strip() for k in keywords.split(";") if k.strip()),
        cw=cw,
        vw=vw,
        pt=pt,
        licences=tuple(lic.split()) if lic else (),
        en=en,
    )


# fmt: off
OCCUPATIONS: tuple[Occupation, ...] = (
    # logistics, post, driving
    _o("51311", "Lagerhelfer", "Lagerarbeiter; Kommissionierer; Lagerhilfe; Lagermitarbeiter; Helfer Lager; Lagerist", "H", "A2", 3, 14.4, 0.5, "d23", "Kommissionierung; Wareneingang; Verpackung; Handscanner; Inventur", 10, 7, 0.1, en="warehouse worker"),
    _o("51312", "Fachkraft für Lagerlogistik", "Fachlagerist; Lagerlogistiker; Lagerfachkraft; FaLaLo", "H", "B1", 2, 16.6, 0.3, "d2", "Warenwirtschaftssystem; SAP; Versand; Bestandskontrolle; Staplerschein", 3, 4, 0.05),
    _o("51321", "Paketzusteller", "Zusteller; Paketbote; Kurierfahrer; Auslieferungsfahrer; Postbote", "H", "A2", 3, 14.6, 0.25, "dw", "Zustellung; Tourenplanung; Scanner; Sprinter", 3, 3, 0.25, lic="B", en="delivery driver"),
    _o("51322", "Fachkraft für Kurier-, Express- und Postdienstleistungen", "Postdienstleister; Briefzusteller; Zustellfachkraft", "H", "B1", 2, 15.8, 0.05, "d", "Briefsortierung; Zustellung; Kundenkontakt", 0.6, 1, 0.3),
    _o("51332", "Fachkraft für Güter- und Warenumschlag", "Umschlagarbeiter; Verlader; Hafen- und Umschlagarbeiter", "H", "A2", 3, 15.5, 0.35, "d23", "Be- und Entladen; Ladungssicherung; Umschlag", 0.8, 1, 0.05),
    _o("51622", "Kaufmann für Spedition und Logistikdienstleistung", "Speditionskaufmann; Disponent; Logistikkaufmann", "H", "B2", 1, 18.5, 0.1, "d", "Disposition; Frachtpapiere; Tourenplanung; Zoll", 0.8, 1.5, 0.1),
    _o("52122", "Berufskraftfahrer", "LKW-Fahrer; Kraftfahrer; Fernfahrer; Berufskraftfahrer CE; Lkw Fahrer Nahverkehr", "H", "A2", 2, 16.8, 0.2, "d2n", "Nahverkehr; Fernverkehr; Ladungssicherung; Fahrerkarte; Modul 95", 3, 4, 0.05, lic="CE", en="truck driver"),
    _o("52112", "Fahrer Personenbeförderung", "Taxifahrer; Fahrer im Krankentransport; Schülerfahrer; Chauffeur", "H", "B1", 1, 14.3, 0.05, "dw", "Personenbeförderungsschein; Ortskenntnis; Patientenfahrten", 1.5, 1.5, 0.45, lic="B", en="taxi driver"),
    _o("52132", "Busfahrer", "Omnibusfahrer; Linienbusfahrer; Berufskraftfahrer Personenverkehr", "H", "B1", 1, 17.6, 0.02, "d2w", "Linienverkehr; Fahrgastbetreuung; Fahrkartenverkauf", 0.8, 2, 0.2, lic="D"),
    _o("52531", "Staplerfahrer", "Gabelstaplerfahrer; Flurförderzeugführer; Staplerfahrer mit Schein", "H", "A2", 2, 14.9, 0.55, "d23", "Staplerschein; Flurförderzeuge; Be- und Entladen", 2, 2.5, 0.05, en="forklift driver"),
    _o("52532", "Kranführer", "Kranfahrer; Turmdrehkranführer; Hallenkranführer", "F", "A2", 2, 17.5, 0.15, "d", "Krananlagen; Anschlagen von Lasten; Kranschein", 0.3, 0.6, 0.0),
    _o("52522", "Baumaschinenführer", "Baggerfahrer; Radladerfahrer; Maschinist", "F", "A2", 2, 17.8, 0.1, "d", "Bagger; Radlader; Erdbewegung", 0.5, 0.8, 0.0, lic="C1"),
    # retail and sales
    _o("62101", "Verkaufshilfe", "Regalauffüller; Warenverräumer; Aushilfe Verkauf; Verkaufshelfer; Mitarbeiter Warenverräumung", "G", "A2", 2, 14.0, 0.15, "dw", "Warenverräumung; Kasse; Regalpflege; MHD-Kontrolle", 6, 5, 0.55, en="shop assistant"),
    _o("62102", "Verkäufer", "Kaufmann im Einzelhandel; Einzelhandelskaufmann; Verkäufer im Einzelhandel; Verkaufsmitarbeiter", "G", "B1", 2, 15.2, 0.05, "dw", "Kundenberatung; Kasse; Warenpräsentation; Reklamation", 6, 6, 0.45, en="sales assistant"),
    _o("62112", "Kassierer", "Kassenkraft; Mitarbeiter Kasse; Kassiererin Supermarkt", "G", "B1", 1, 14.2, 0.05, "dw", "Kassieren; Kassenabrechnung; Kundenservice", 2.5, 2, 0.6, en="cashier"),
    _o("62301", "Verkaufshilfe Lebensmittel", "Aushilfe Supermarkt; Mitarbeiter Frischetheke; Helfer Lebensmittelmarkt", "G", "A2", 2, 14.0, 0.05, "dw", "Frischetheke; Obst und Gemüse; Warenverräumung", 2.5, 2.5, 0.55),
    _o("62302", "Fachverkäufer Lebensmittel", "Verkäufer Lebensmittel; Fachverkäufer im Lebensmittelhandwerk", "G", "B1", 2, 14.8, 0.02, "dw", "Frischetheke; Beratung; Hygiene", 1.2, 1.8, 0.45),
    _o("62312", "Bäckereifachverkäufer", "Verkäufer Bäckerei; Bäckereiverkäufer; Fachverkäufer Bäckerei", "G", "B1", 2, 14.3, 0.02, "dw", "Backwaren; Kaffeespezialitäten; Kasse; Frühschicht", 2, 2.5, 0.55),
    _o("62322", "Fleischereifachverkäufer", "Verkäufer Fleischerei; Fachverkäufer Fleisch- und Wurstwaren", "G", "B1", 2, 15.0, 0.02, "dw", "Fleischtheke; Wurstwaren; Partyservice", 0.5, 1, 0.4),
    _o("62212", "Verkäufer Mode", "Modeverkäufer; Verkäufer Bekleidung; Verkäufer Textil", "G", "B1", 1, 14.5, 0.05, "dw", "Modeberatung; Warenpräsentation; Kasse", 1, 1, 0.55),
    _o("62262", "Verkäufer Baumarkt", "Fachberater Baumarkt; Verkäufer Garten und Heimwerk", "G", "B1", 2, 15.0, 0.05, "dw", "Beratung; Baustoffe; Gartencenter", 0.6, 1, 0.35),
    _o("62412", "Drogist", "Drogerieverkäufer; Verkäufer Drogerie", "G", "B1", 1, 15.0, 0.02, "dw", "Drogeriewaren; Kosmetikberatung; Kasse", 0.5, 1, 0.5),
    _o("61212", "Kaufmann im Groß- und Außenhandel", "Groß- und Außenhandelskaufmann; Kaufmann für Groß- und Außenhandelsmanagement", "G", "B2", 1, 18.5, 0.05, "d", "Einkauf; Angebote; Auftragsbearbeitung; ERP", 0.6, 1.2, 0.1),
    _o("61122", "Vertriebsmitarbeiter", "Außendienstmitarbeiter; Vertriebsinnendienst; Verkaufsberater", "G", "B2", 1, 18.0, 0.05, "d", "Kundenakquise; Angebotserstellung; CRM", 0.6, 1.5, 0.1, lic="B"),
    # cleaning and housekeeping
    _o("54101", "Reinigungskraft", "Putzkraft; Raumpfleger; Reinigungshelfer; Gebäudereinigungshelfer; Unterhaltsreinigung", "N", "A1", 3, 14.3, 0.1, "dw", "Unterhaltsreinigung; Büroreinigung; Sanitärreinigung; Reinigungsmittel", 10, 8, 0.7, en="cleaner"),
    _o("54112", "Gebäudereiniger", "Gebäudereinigerin; Fachkraft Gebäudereinigung; Objektleiter Reinigung", "N", "A2", 3, 16.7, 0.05, "d", "Grundreinigung; Glasreinigung; Reinigungsmaschinen", 0.8, 1.5, 0.2),
    _o("54122", "Glasreiniger", "Fensterputzer; Glas- und Fassadenreiniger", "N", "A2", 3, 15.5, 0.05, "d", "Glasreinigung; Hubsteiger; Fensterreinigung", 0.4, 0.6, 0.2),
    _o("54152", "Fahrzeugpfleger", "Fahrzeugaufbereiter; Autopfleger; Mitarbeiter Waschstraße", "G", "A2", 3, 14.2, 0.1, "d", "Fahrzeugaufbereitung; Innenreinigung; Polieren", 0.8, 0.8, 0.2),
    _o("54132", "Textilreiniger", "Mitarbeiter Wäscherei; Wäschereihelfer; Büglerin", "S", "A1", 2, 14.1, 0.15, "d2", "Wäscherei; Mangel; Bügeln", 0.8, 0.6, 0.4),
    _o("83211", "Hauswirtschaftshelfer", "Haushaltshilfe; Hauswirtschaftskraft; Helfer Hauswirtschaft", "Q", "A2", 2, 14.1, 0.02, "dw", "Wäschepflege; Speisenausgabe; Reinigung", 3, 2.5, 0.6, en="housekeeping assistant"),
    _o("83212", "Hauswirtschafter", "Hauswirtschafterin; Fachkraft Hauswirtschaft", "Q", "B1", 2, 15.3, 0.0, "dw", "Speiseplanung; Hauswirtschaft; Hygiene", 0.6, 0.8, 0.4),
    _o("34102", "Hausmeister", "Haustechniker; Hauswart; Objektbetreuer", "L", "B1", 2, 16.0, 0.05, "d", "Kleinreparaturen; Winterdienst; Grünpflege; Haustechnik", 2, 1.8, 0.25, lic="B", en="caretaker"),
    # hospitality and food
    _o("29301", "Küchenhilfe", "Küchenhelfer; Spülkraft; Beikoch; Hilfskoch; Spüler", "I", "A1", 2, 14.0, 0.15, "dw", "Spülen; Vorbereitung; Gemüse putzen; Hygiene", 7, 6, 0.5, en="kitchen helper"),
    _o("29302", "Koch", "Koch/Köchin; Jungkoch; Alleinkoch; Beikoch mit Ausbildung", "I", "A2", 2, 16.2, 0.05, "dw", "À-la-carte; Kantine; HACCP; Warenbestellung", 2, 3.5, 0.2, en="cook"),
    _o("63301", "Servicekraft", "Servicehilfe; Aushilfe Service; Kellner; Bedienung; Servicemitarbeiter", "I", "B1", 2, 14.0, 0.05, "dw", "Bedienung; Getränke; Kasse; Gästebetreuung", 4, 4, 0.6, en="waiter"),
    _o("63302", "Restaurantfachmann", "Fachkraft für Gastronomie; Restaurantfachkraft; Oberkellner", "I", "B1", 2, 15.2, 0.02, "dw", "Service; Weinberatung; Veranstaltungen", 0.6, 1.2, 0.3),
    _o("63221", "Zimmermädchen", "Roomboy; Housekeeping; Zimmerreinigung; Hotelhilfe", "I", "A1", 3, 14.0, 0.15, "dw", "Zimmerreinigung; Wäschewechsel; Housekeeping", 1.5, 1.5, 0.5, en="room attendant"),
    _o("63222", "Hotelfachmann", "Hotelfachfrau; Rezeptionist; Empfangsmitarbeiter Hotel", "I", "B2", 1, 15.2, 0.02, "dw", "Rezeption; Check-in; Reservierung", 0.5, 1, 0.3),
    _o("63312", "Fachmann für Systemgastronomie", "Systemgastronom; Schichtführer Fast Food; Restaurantmitarbeiter", "I", "A2", 2, 14.5, 0.02, "dwn", "Schichtleitung; Kasse; Hygiene; Warenannahme", 1.2, 1.5, 0.45),
    _o("63401", "Veranstaltungshelfer", "Eventhelfer; Helfer Messebau; Aufbauhelfer", "N", "A2", 3, 14.0, 0.4, "w", "Aufbau; Abbau; Catering; Garderobe", 0.6, 0.6, 0.6),
    _o("29201", "Produktionshelfer Lebensmittel", "Helfer Lebensmittelproduktion; Mitarbeiter Lebensmittelproduktion; Produktionsmitarbeiter Bäckerei", "C", "A1", 3, 14.3, 0.45, "d23", "Verpackung; Maschinenbedienung; Hygiene", 2.5, 2.5, 0.1),
    _o("29222", "Bäcker", "Bäckergeselle; Backwarenhersteller", "C", "A2", 3, 15.6, 0.02, "n", "Backstube; Teigherstellung; Nachtarbeit", 0.6, 1.2, 0.1),
    _o("29232", "Fleischer", "Metzger; Fleischergeselle; Zerleger", "C", "A2", 3, 16.0, 0.1, "d", "Zerlegung; Wurstherstellung", 0.4, 0.8, 0.05),
    # care, health, social work
    _o("82101", "Altenpflegehelfer", "Pflegehelfer; Pflegehilfskraft; Pflegeassistent; Helfer in der Altenpflege", "Q", "B1", 3, 16.2, 0.1, "2w", "Grundpflege; Mobilisation; Dokumentation; Betreuung", 5, 5, 0.45, en="care assistant"),
    _o("82102", "Altenpfleger", "Pflegefachkraft Altenpflege; Pflegefachfrau Altenpflege; examinierte Altenpflegerin", "Q", "B2", 3, 21.8, 0.1, "23w", "Behandlungspflege; Pflegeplanung; Medikamente", 1.5, 4, 0.35),
    _o("81301", "Gesundheits- und Krankenpflegehelfer", "Krankenpflegehelfer; Pflegehelfer Krankenhaus; Stationshilfe", "Q", "B1", 3, 16.3, 0.05, "3w", "Grundpflege; Patientenbegleitung; Stationsarbeit", 1.5, 2, 0.4),
    _o("81302", "Pflegefachkraft", "Pflegefachmann; Gesundheits- und Krankenpfleger; Krankenschwester; examinierte Pflegekraft", "Q", "B2", 3, 22.5, 0.1, "3w", "Behandlungspflege; Stationsdienst; Pflegedokumentation", 1, 3.5, 0.35),
    _o("81342", "Rettungssanitäter", "Notfallsanitäter; Sanitäter; Krankentransportfahrer", "Q", "B2", 3, 18.0, 0.0, "3w", "Krankentransport; Erste Hilfe; Rettungswagen", 0.5, 1, 0.2, lic="C1"),
    _o("81102", "Medizinische Fachangestellte", "MFA; Arzthelferin; Praxisassistenz", "Q", "B2", 1, 16.8, 0.02, "d", "Praxisorganisation; Blutabnahme; Terminvergabe", 1, 2, 0.45),
    _o("81112", "Zahnmedizinische Fachangestellte", "ZFA; Zahnarzthelferin; Stuhlassistenz", "Q", "B2", 1, 16.2, 0.02, "d", "Stuhlassistenz; Abrechnung; Hygiene", 0.5, 1.2, 0.4),
    _o("81822", "Pharmazeutisch-technischer Assistent", "PTA; Apothekenhelferin; PKA", "Q", "B2", 1, 17.5, 0.0, "d", "Rezeptur; Beratung; Warenwirtschaft", 0.3, 0.8, 0.45),
    _o("81712", "Physiotherapeut", "Krankengymnast; Physiotherapeutin", "Q", "C1", 2, 19.5, 0.0, "d", "Krankengymnastik; Manuelle Therapie; Lymphdrainage", 0.2, 1, 0.4),
    _o("83111", "Kinderbetreuer", "Betreuungskraft Kita; Helfer Kita; Kindertagespflege; Kinderpflegerin", "Q", "B1", 2, 15.0, 0.02, "d", "Kinderbetreuung; Spielangebote; Mittagessen", 2, 2, 0.6, en="childcare assistant"),
    _o("83112", "Erzieher", "Erzieherin; staatlich anerkannter Erzieher; pädagogische Fachkraft", "Q", "C1", 2, 20.5, 0.05, "d", "Kita; Bildungsdokumentation; Elternarbeit", 0.6, 3, 0.5),
    _o("83131", "Heilerziehungspflegehelfer", "Betreuungsassistent; Schulbegleiter; Integrationshelfer", "Q", "B1", 2, 15.2, 0.05, "dw", "Assistenz; Schulbegleitung; Betreuung", 1.2, 1.5, 0.6),
    _o("83132", "Heilerziehungspfleger", "Heilerziehungspflegerin; HEP", "Q", "B2", 2, 19.5, 0.02, "2w", "Wohngruppe; Teilhabe; Pflege", 0.3, 1.2, 0.4),
    _o("83141", "Betreuungskraft", "Alltagsbegleiter; Betreuungskraft nach § 43b; Seniorenbetreuer", "Q", "B1", 1, 15.0, 0.05, "dw", "Aktivierung; Gruppenangebote; Demenz", 2, 2, 0.65, en="care companion"),
    _o("83122", "Sozialarbeiter", "Sozialpädagoge; Sozialarbeiterin; Fachkraft Soziale Arbeit", "Q", "C1", 1, 22.0, 0.0, "d", "Beratung; Fallarbeit; Jugendhilfe", 0.2, 1, 0.4),
    _o("82312", "Friseur", "Friseurin; Friseurgeselle; Hair Stylist", "S", "B1", 2, 14.3, 0.0, "dw", "Haarschnitt; Färben; Kundenberatung", 0.8, 1, 0.45),
    _o("82322", "Kosmetiker", "Kosmetikerin; Fußpflegerin; Nageldesignerin", "S", "B1", 1, 14.2, 0.0, "dw", "Gesichtsbehandlung; Maniküre; Beratung", 0.4, 0.5, 0.55),
    # construction and building trades
    _o("32101", "Bauhelfer", "Bauarbeiter; Helfer Hochbau; Bauhilfsarbeiter; Baustellenhelfer", "F", "A1", 3, 15.0, 0.35, "d", "Baustelle; Schalung; Transport; Aufräumen", 5, 4, 0.02, en="construction worker"),
    _o("32122", "Maurer", "Maurergeselle; Maurer und Betonbauer", "F", "A2", 3, 19.0, 0.1, "d", "Mauerwerk; Schalung; Beton", 0.8, 1.8, 0.0),
    _o("32201", "Tiefbauhelfer", "Helfer Tiefbau; Straßenbauhelfer; Kanalbauhelfer", "F", "A1", 3, 15.0, 0.25, "d", "Tiefbau; Verdichter; Kanalbau", 1.2, 1.2, 0.0),
    _o("32222", "Straßenbauer", "Straßenbauer Geselle; Asphaltbauer", "F", "A2", 3, 18.5, 0.05, "d", "Straßenbau; Asphalt; Pflaster", 0.4, 1, 0.0),
    _o("32212", "Pflasterer", "Steinsetzer; Pflasterleger", "F", "A2", 3, 17.5, 0.05, "d", "Pflasterarbeiten; Natursteine; Randsteine", 0.3, 0.6, 0.0),
    _o("32142", "Dachdecker", "Dachdeckergeselle; Dachdeckerhelfer", "F", "A2", 3, 18.5, 0.05, "d", "Steildach; Flachdach; Abdichtung", 0.3, 0.8, 0.0),
    _o("32162", "Gerüstbauer", "Gerüstbauhelfer; Gerüstmonteur", "F", "A1", 3, 17.0, 0.2, "d", "Gerüstaufbau; Montage; Höhenarbeit", 0.4, 0.6, 0.0),
    _o("33211", "Malerhelfer", "Helfer Maler und Lackierer; Malerhelferin; Anstreicher", "F", "A2", 2, 14.6, 0.2, "d", "Streichen; Abkleben; Tapezieren", 1.2, 1, 0.05),
    _o("33212", "Maler und Lackierer", "Maler; Malergeselle; Lackierer Bau", "F", "A2", 2, 17.2, 0.05, "d", "Anstrich; Tapezierarbeiten; Fassade", 0.8, 1.5, 0.05),
    _o("33301", "Trockenbauhelfer", "Helfer Trockenbau; Helfer Innenausbau", "F", "A1", 3, 14.8, 0.3, "d", "Trockenbau; Rigips; Ständerwerk", 0.8, 0.7, 0.0),
    _o("33302", "Trockenbaumonteur", "Trockenbauer; Innenausbauer; Monteur Trockenbau", "F", "A2", 3, 17.6, 0.15, "d", "Trockenbau; Akustikdecken; Spachteln", 0.4, 0.8, 0.0),
    _o("33112", "Fliesenleger", "Fliesen-, Platten- und Mosaikleger; Fliesenlegerhelfer", "F", "A2", 3, 18.0, 0.05, "d", "Fliesen; Naturstein; Abdichtung", 0.3, 0.6, 0.0),
    _o("33322", "Zimmerer", "Zimmermann; Holzbauer", "F", "A2", 3, 19.5, 0.05, "d", "Dachstuhl; Holzbau; Abbund", 0.2, 0.6, 0.0),
    _o("34201", "Helfer Sanitär und Heizung", "SHK-Helfer; Installationshelfer; Helfer Haustechnik", "F", "A2", 3, 15.0, 0.25, "d", "Rohrinstallation; Montage; Badsanierung", 0.8, 0.8, 0.0),
    _o("34212", "Anlagenmechaniker SHK", "Installateur; Heizungsbauer; Anlagenmechaniker für Sanitär-, Heizungs- und Klimatechnik", "F", "B1", 3, 19.8, 0.05, "d", "Heizungsanlagen; Wärmepumpe; Kundendienst", 0.5, 2, 0.0, lic="B"),
    _o("26212", "Elektroniker Energie- und Gebäudetechnik", "Elektriker; Elektroinstallateur; Elektroniker", "F", "B1", 2, 19.5, 0.15, "d", "Elektroinstallation; Schaltschrank; Prüfung", 0.6, 2, 0.0, lic="B"),
    _o("26301", "Elektrohelfer", "Helfer Elektrotechnik; Elektromontagehelfer; Kabelhelfer", "C", "A2", 2, 15.0, 0.4, "d2", "Kabelkonfektion; Montage; Verdrahtung", 1, 1, 0.05),
    _o("22342", "Tischler", "Schreiner; Möbeltischler; Tischlergeselle", "C", "A2", 2, 17.8, 0.05, "d", "Möbelbau; CNC; Montage", 0.5, 1, 0.0),
    _o("22301", "Holzbearbeitungshelfer", "Helfer Holzverarbeitung; Produktionshelfer Holz; Helfer Tischlerei", "C", "A1", 3, 14.5, 0.3, "d2", "Holzbearbeitung; Maschinenbeschickung; Verpackung", 0.8, 0.8, 0.05),
    # manufacturing
    _o("25101", "Produktionshelfer", "Produktionsmitarbeiter; Montagehelfer; Maschinenbediener; Helfer Produktion; Fertigungshelfer", "C", "A1", 2, 14.8, 0.6, "23", "Maschinenbedienung; Montage; Qualitätskontrolle; Verpackung", 8, 7, 0.05, en="production worker"),
    _o("24201", "Metallbearbeitungshelfer", "Helfer Metall; Produktionshelfer Metall; Metallhelfer", "C", "A1", 3, 15.0, 0.5, "23", "Entgraten; Sägen; Bohren", 2, 2, 0.02),
    _o("24232", "Zerspanungsmechaniker", "CNC-Fräser; CNC-Dreher; Dreher; Fräser", "C", "A2", 2, 19.2, 0.3, "23", "CNC; Fanuc; Heidenhain; Messmittel", 0.6, 2, 0.0),
    _o("24411", "Helfer Metallbau", "Schlosserhelfer; Metallbauhelfer", "C", "A1", 3, 15.0, 0.35, "d", "Schweißvorbereitung; Montage; Schleifen", 1, 1, 0.0),
    _o("24412", "Metallbauer", "Schlosser; Konstruktionsmechaniker; Metallbauer Konstruktionstechnik", "C", "A2", 3, 18.5, 0.25, "d2", "Stahlbau; Montage; Schweißen", 0.6, 1.5, 0.0),
    _o("24422", "Schweißer", "MAG-Schweißer; WIG-Schweißer; Schweißfachkraft", "C", "A2", 3, 18.0, 0.45, "d2", "MAG; WIG; Schweißnähte; Zertifikat", 0.5, 1.2, 0.0),
    _o("25102", "Industriemechaniker", "Maschinenschlosser; Betriebsschlosser; Instandhalter", "C", "B1", 2, 20.0, 0.3, "23", "Instandhaltung; Hydraulik; Pneumatik", 0.5, 2, 0.0),
    _o("25122", "Maschinen- und Anlagenführer", "Anlagenführer; Maschinenführer; Anlagenbediener", "C", "A2", 2, 17.5, 0.4, "23", "Anlagen einrichten; Rüsten; Störungsbehebung", 1.2, 2.5, 0.0),
    _o("25212", "Kfz-Mechatroniker", "Kfz-Mechaniker; Automechaniker; KFZ Mechatroniker; Mechaniker PKW", "G", "B1", 2, 18.0, 0.1, "d", "Diagnose; Inspektion; Reifenwechsel; HU-Vorbereitung", 1, 2, 0.0, lic="B", en="car mechanic"),
    _o("25201", "Kfz-Helfer", "Reifenmonteur; Werkstatthelfer; Helfer Kfz-Werkstatt", "G", "A2", 3, 14.3, 0.2, "d", "Reifenwechsel; Fahrzeugaufbereitung; Werkstatt", 1.2, 1, 0.1, lic="B"),
    _o("26112", "Mechatroniker", "Mechatronikerin; Servicetechniker Mechatronik", "C", "B1", 2, 20.0, 0.25, "23", "SPS; Instandhaltung; Automatisierung", 0.3, 1.5, 0.0),
    _o("25132", "Servicetechniker", "Kundendiensttechniker; Wartungstechniker; Servicemonteur", "C", "B1", 2, 19.0, 0.15, "d", "Wartung; Reparatur; Kundendienst; Montage", 0.4, 1.2, 0.0, lic="B"),
    _o("22101", "Produktionshelfer Kunststoff", "Maschinenbediener Kunststoff; Helfer Spritzguss; Kunststoffhelfer", "C", "A1", 2, 14.8, 0.55, "3", "Spritzguss; Entnahme; Sichtkontrolle", 1.2, 1.2, 0.0),
    _o("22102", "Verfahrensmechaniker Kunststoff", "Verfahrensmechaniker für Kunststoff- und Kautschuktechnik; Einrichter Spritzguss", "C", "B1", 2, 18.2, 0.3, "3", "Spritzguss; Werkzeugwechsel; Einrichten", 0.3, 1, 0.0),
    _o("23101", "Verpackungshelfer", "Packer; Verpacker; Mitarbeiter Verpackung; Konfektionierer", "C", "A1", 2, 14.1, 0.6, "d2", "Verpacken; Etikettieren; Kommissionieren", 3, 3, 0.2, en="packer"),
    _o("27312", "Qualitätsprüfer", "Qualitätskontrolleur; Mitarbeiter Qualitätssicherung; Prüfer Wareneingang", "C", "B1", 1, 18.0, 0.3, "2", "Messtechnik; Prüfprotokolle; Sichtprüfung", 0.5, 1.2, 0.0),
    _o("28221", "Näher", "Näherin; Textilnäherin; Helfer Konfektion", "C", "A1", 1, 14.0, 0.2, "d", "Nähmaschine; Änderungen; Konfektion", 0.8, 0.5, 0.3),
    _o("24301", "Helfer Oberflächentechnik", "Galvanikhelfer; Helfer Pulverbeschichtung; Lackierhelfer", "C", "A1", 3, 14.8, 0.5, "23", "Pulverbeschichtung; Galvanik; Gestelle bestücken", 0.6, 0.8, 0.0),
    _o("22212", "Fahrzeuglackierer", "Autolackierer; Lackierer", "G", "A2", 2, 17.0, 0.1, "d", "Lackierung; Spot-Repair; Vorbereitung", 0.3, 0.6, 0.0),
    _o("41311", "Produktionshelfer Chemie und Pharma", "Helfer Pharmaproduktion; Produktionsmitarbeiter Pharma; Chemiehelfer", "C", "A2", 2, 15.6, 0.5, "3", "Reinraum; GMP; Abfüllung; Verpackung", 0.8, 1.5, 0.0),
    _o("41312", "Chemikant", "Pharmakant; Produktionsfachkraft Chemie", "C", "B1", 2, 20.5, 0.2, "3", "Anlagenfahrer; GMP; Prozessleittechnik", 0.2, 1, 0.0),
    _o("41322", "Chemielaborant", "CTA; Chemisch-technischer Assistent; Laborant", "M", "B2", 1, 19.0, 0.2, "d", "Analytik; HPLC; Labor", 0.3, 1.2, 0.1),
    _o("41212", "Biologielaborant", "BTA; Biologisch-technischer Assistent; Laborassistent", "M", "B2", 1, 18.5, 0.2, "d", "Zellkultur; PCR; Laborarbeit", 0.3, 1, 0.15),
    # office, administration, call centre
    _o("71401", "Bürohilfskraft", "Bürohelfer; Aushilfe Büro; Bürokraft; Helfer Verwaltung", "N", "B1", 1, 14.2, 0.2, "d", "Ablage; Scannen; Dateneingabe; Post", 3, 1.5, 0.5, en="office assistant"),
    _o("71402", "Kaufmann für Büromanagement", "Bürokaufmann; Bürokauffrau; Sachbearbeiter; Kaufmännischer Angestellter; Industriekaufmann", "M", "B2", 1, 17.6, 0.15, "d", "MS Office; Rechnungen; Korrespondenz; Terminplanung", 3.5, 4, 0.35, en="office clerk"),
    _o("71452", "Empfangsmitarbeiter", "Rezeptionskraft; Mitarbeiter Empfang; Telefonistin; Pförtner", "N", "B2", 1, 14.8, 0.2, "dw", "Empfang; Telefonzentrale; Besuchermanagement", 1, 1, 0.45, en="receptionist"),
    _o("72212", "Buchhalter", "Finanzbuchhalter; Mitarbeiter Buchhaltung; Kreditorenbuchhalter", "M", "B2", 1, 20.5, 0.15, "d", "DATEV; Kreditoren; Debitoren; Monatsabschluss", 0.6, 1.5, 0.3),
    _o("92122", "Kundenberater Callcenter", "Callcenter-Agent; Kundenservice-Mitarbeiter; Telefonist; Servicemitarbeiter Hotline", "N", "B2", 1, 14.5, 0.35, "dw", "Kundenservice; Hotline; CRM; Outbound", 2, 2, 0.5, en="call centre agent"),
    _o("73202", "Verwaltungsfachangestellter", "Verwaltungsangestellter; Sachbearbeiter Verwaltung; Verwaltungsfachangestellte", "O", "C1", 1, 19.5, 0.0, "d", "Bescheide; Verwaltungsrecht; Bürgerkontakt", 0.5, 1.5, 0.3),
    _o("71512", "Personalsachbearbeiter", "Sachbearbeiter Personal; Personalreferent; Lohnbuchhalter", "M", "C1", 1, 20.0, 0.1, "d", "Lohnabrechnung; Personalakten; Zeiterfassung", 0.3, 0.8, 0.3),
    _o("71522", "Personaldisponent", "Disponent Zeitarbeit; Recruiter; Personalberater", "N", "C1", 1, 18.5, 0.0, "d", "Recruiting; Kundenbetreuung; Einsatzplanung", 0.2, 0.8, 0.1),
    # security
    _o("53111", "Sicherheitsmitarbeiter", "Wachmann; Security; Objektschützer; Sicherheitskraft; Wachschutz", "N", "B1", 1, 14.6, 0.1, "3nw", "Sachkundeprüfung § 34a; Objektschutz; Empfangsdienst; Streifendienst", 3, 3, 0.3, en="security guard"),
    _o("53112", "Fachkraft für Schutz und Sicherheit", "Servicekraft für Schutz und Sicherheit; Werkschutzfachkraft", "N", "B2", 1, 16.8, 0.05, "3w", "Werkschutz; Brandschutz; Zutrittskontrolle", 0.5, 1, 0.1),
    # green jobs, agriculture, forestry, waste
    _o("12101", "Gartenhelfer", "Garten- und Landschaftsbauhelfer; Helfer GaLaBau; Grünpfleger; Gartenarbeiter", "A", "A1", 3, 14.2, 0.15, "d", "Rasenmähen; Heckenschnitt; Pflasterarbeiten; Grünpflege", 3, 2.5, 0.1, en="gardener's helper"),
    _o("12142", "Gärtner Garten- und Landschaftsbau", "Landschaftsgärtner; Gärtner; GaLaBauer", "A", "A2", 3, 16.6, 0.05, "d", "Pflanzarbeiten; Pflasterbau; Baumpflege", 0.6, 1.2, 0.0, lic="B"),
    _o("11101", "Erntehelfer", "Landwirtschaftlicher Helfer; Helfer Landwirtschaft; Landarbeiter", "A", "A1", 3, 13.9, 0.05, "dw", "Ernte; Stallarbeit; Sortierung", 0.6, 0.6, 0.2),
    _o("11102", "Landwirt", "Landwirtschaftliche Fachkraft; Landwirtin; Agrarfachkraft", "A", "A2", 3, 15.5, 0.02, "dw", "Ackerbau; Tierhaltung; Traktor", 0.2, 0.4, 0.0, lic="T"),
    _o("11711", "Forstarbeiter", "Waldarbeiter; Helfer Forstwirtschaft", "A", "A1", 3, 14.8, 0.05, "d", "Motorsäge; Holzernte; Pflanzung", 0.4, 0.4, 0.0),
    _o("34301", "Müllwerker", "Müllwerkerin; Entsorgungshelfer; Mitarbeiter Abfallwirtschaft; Müllmann", "E", "A2", 3, 15.4, 0.2, "d", "Müllabfuhr; Wertstoffhof; Sortierung", 1, 1, 0.0),
    _o("34332", "Fachkraft für Kreislauf- und Abfallwirtschaft", "Fachkraft Abfallwirtschaft; Wertstoffhofmitarbeiter", "E", "B1", 2, 17.2, 0.05, "d", "Wertstoffhof; Entsorgung; Anlagen", 0.2, 0.6, 0.0),
    # IT
    _o("43102", "Fachinformatiker Systemintegration", "IT-Support; IT-Systemadministrator; Fachinformatiker; IT-Techniker", "J", "B2", 1, 20.0, 0.2, "d", "Windows; Netzwerk; Active Directory; Hardware", 0.6, 2, 0.05, en="IT support technician"),
    _o("43223", "IT-Kundenbetreuer", "First-Level-Support; Helpdesk-Mitarbeiter; IT-Servicedesk", "J", "B2", 1, 18.5, 0.3, "d", "Ticketsystem; Helpdesk; Anwenderbetreuung", 0.4, 1, 0.15, en="helpdesk agent"),
    _o("43412", "Fachinformatiker Anwendungsentwicklung", "Softwareentwickler; Programmierer; Anwendungsentwickler", "J", "B2", 1, 22.0, 0.15, "d", "Java; Python; SQL; Webentwicklung", 0.3, 1.5, 0.05, en="software developer"),
)
# fmt: on

BY_CODE: dict[str, Occupation] = {o.kldb: o for o in OCCUPATIONS}

_SUFFIXES = re.compile(r"\((?:m|w|d)\s*/\s*(?:m|w|d)\s*/\s*(?:m|w|d)\)|\(gn\)|\*in\b|:in\b|/-?in\b|/innen\b")
_NONWORD = re.compile(r"[^0-9a-zäöüß+\- ]+")


def normalise_title(text: str) -> str:
    """Lowercase, without gender suffixes ("(m/w/d)", "/in", "*in") and punctuation."""
    t = _SUFFIXES.sub(" ", text.lower())
    t = _NONWORD.sub(" ", t)
    return " ".join(t.split())


def female(title: str) -> str:
    """A plausible female form of a German job title (Verkäufer → Verkäuferin, Koch → Köchin)."""
    words = title.split(" ")
    head = words[0]
    if head.endswith("mann"):
        head = head[:-4] + "frau"
    elif head == "Koch":
        head = "Köchin"
    elif (
        head.endswith("er")
        or head.endswith("ent")
        or head.endswith("eur")
        or head.endswith("ist")
        or head.endswith("ant")
        or head.endswith("ger")
        or head.endswith("ker")
    ):
        head = head + "in"
    words[0] = head
    return " ".join(words)


def _build_lookup() -> dict[str, str]:
    out: dict[str, str] = {}
    # Titles first, then synonyms: a title wins over another occupation's synonym.
    for pass_ in (0, 1):
        for o in OCCUPATIONS:
            names = (o.title,) if pass_ == 0 else o.synonyms
            for name in names:
                for form in (name, female(name)):
                    out.setdefault(normalise_title(form), o.kldb)
    return out


TITLE_LOOKUP: dict[str, str] = _build_lookup()
_NAMES_RE = re.compile(
    r"(?=(?:^| )("
    + "|".join(re.escape(n) for n in sorted(TITLE_LOOKUP, key=lambda n: (-len(n), n)) if len(n) >= 3)
    + r")(?= |$))"
)


@lru_cache(maxsize=65536)
def resolve_title(text: str) -> str | None:
    """The KldB code a free-text job title names: an exact (normalised) title or synonym, else the
    longest title or synonym contained in the text as whole words; None if nothing matches."""
    t = normalise_title(text)
    if not t:
        return None
    code = TITLE_LOOKUP.get(t)
    if code is not None:
        return code
    found = [m.group(1) for m in _NAMES_RE.finditer(t)]
    if not found:
        return None
    return TITLE_LOOKUP[min(found, key=lambda n: (-len(n), n))]
