"""Quebec people and places for synthetic patients: names (accents, hyphens), streets, cities
with their postal-code forward sortation areas (FSA) and telephone area codes."""

from __future__ import annotations

import random

FAMILY = (
    "Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Gauthier", "Morin", "Lavoie", "Fortin",
    "Gagné", "Ouellet", "Pelletier", "Bélanger", "Lévesque", "Bergeron", "Leblanc", "Paquette",
    "Girard", "Simard", "Boucher", "Caron", "Beaulieu", "Cloutier", "Dubé", "Poirier", "Fournier",
    "Lapointe", "Leclerc", "Lefebvre", "Poulin", "Thibault", "St-Pierre", "Nadeau", "Martin",
    "Landry", "Martel", "Bédard", "Grenier", "Lessard", "Bernier", "Richard", "Michaud", "Hébert",
    "Desjardins", "Couture", "Turcotte", "Lachance", "Parent", "Blais", "Gosselin", "Savard",
    "Proulx", "Beaudoin", "Demers", "Perreault", "Boudreau", "Lemieux", "Cyr", "Perron", "Dufour",
    "Dion", "Mercier", "Bolduc", "Bérubé", "Tanguay", "Rousseau", "Deschênes", "Sainte-Marie",
    "Ménard", "Léger", "Nguyen", "Ben Salah", "Joseph", "Pierre-Louis", "O'Connor", "D'Amours",
)
FEMALE = (
    "Hélène", "Marie", "Julie", "Isabelle", "Sophie", "Nathalie", "Geneviève", "Mélanie",
    "Chloé", "Léa", "Émilie", "Camille", "Zoé", "Béatrice", "Anne-Marie", "Marie-Ève", "Josée",
    "Françoise", "Céline", "Ginette", "Noémie", "Rosalie", "Maëlle", "Océane", "Stéphanie",
    "Valérie", "Annie", "Louise", "Thérèse", "Amélie", "Mégane", "Aïcha", "Jacinthe", "Sarah",
)
MALE = (
    "Joël", "Jean", "Pierre", "Michel", "François", "Jean-François", "Luc", "Marc-André",
    "Éric", "Sébastien", "Mathieu", "Félix", "Gabriel", "Olivier", "Étienne", "Benoît", "Jérôme",
    "Hugo", "Antoine", "Raphaël", "Noël", "Réjean", "Gaétan", "Régis", "Ludovic", "Xavier",
    "Maxime", "Frédéric", "Denis", "André", "Zacharie", "Élie", "Youssef", "William", "Samuel",
)
STREETS = (
    "rue Saint-Denis", "boulevard Saint-Laurent", "avenue du Mont-Royal", "rue Sherbrooke Est",
    "rue Principale", "chemin Sainte-Foy", "boulevard René-Lévesque", "rue de l'Église",
    "avenue Laurier", "rue Notre-Dame Ouest", "boulevard des Laurentides", "rue King Ouest",
    "rue Racine", "avenue Cartier", "rue des Érables", "rue Saint-Jean", "boulevard Taschereau",
    "rue Wellington Nord", "chemin du Lac", "rue Papineau", "avenue Bélanger", "rue Jarry Est",
)
# (city, administrative region, FSAs of the city, telephone area codes)
CITIES = (
    ("Montréal", "Montréal", ("H2X", "H2J", "H2T", "H1V", "H3C", "H4A", "H2S", "H1W"),
     ("514", "438")),
    ("Laval", "Laval", ("H7N", "H7T", "H7G"), ("450", "579")),
    ("Longueuil", "Montérégie", ("J4H", "J4K", "J4M"), ("450", "579")),
    ("Saint-Jean-sur-Richelieu", "Montérégie", ("J3A", "J2W"), ("450",)),
    ("Québec", "Capitale-Nationale", ("G1R", "G1S", "G1K", "G1L", "G2B"), ("418", "581")),
    ("Lévis", "Chaudière-Appalaches", ("G6V", "G6W"), ("418", "581")),
    ("Sherbrooke", "Estrie", ("J1H", "J1J", "J1E"), ("819", "873")),
    ("Trois-Rivières", "Mauricie", ("G8T", "G8Z", "G9A"), ("819", "873")),
    ("Gatineau", "Outaouais", ("J8T", "J8Y", "J9H"), ("819", "873")),
    ("Saguenay", "Saguenay–Lac-Saint-Jean", ("G7H", "G7J", "G7B"), ("418", "581")),
    ("Rimouski", "Bas-Saint-Laurent", ("G5L", "G5M"), ("418", "581")),
    ("Terrebonne", "Lanaudière", ("J6W", "J6X"), ("450", "579")),
    ("Saint-Jérôme", "Laurentides", ("J7Z", "J5L"), ("450", "579")),
    ("Drummondville", "Centre-du-Québec", ("J2B", "J2C"), ("819", "873")),
)
# Canada Post never uses these letters in a postal code's letter positions.
POSTAL_LETTERS = "ABCEGHJKLMNPRSTVWXYZ"


def postal_code(rng: random.Random, fsa: str) -> str:
    """FSA + LDU, e.g. 'H2X 1Y4' (digit, letter, digit)."""
    return f"{fsa} {rng.randint(0, 9)}{rng.choice(POSTAL_LETTERS)}{rng.randint(0, 9)}"


def phone(rng: random.Random, area_codes: tuple[str, ...]) -> str:
    """North American number: exchange 2XX–9XX; 555 is avoided."""
    exchange = rng.randint(200, 999)
    if exchange == 555:
        exchange = 556
    return f"{rng.choice(area_codes)}-{exchange}-{rng.randint(0, 9999):04d}"


def address(rng: random.Random) -> tuple[dict, tuple[str, ...]]:
    """A FHIR Address in Quebec, and the area codes that go with its city."""
    city, region, fsas, area_codes = rng.choice(CITIES)
    line = f"{rng.randint(1, 9999)}, {rng.choice(STREETS)}"
    if rng.random() < 0.25:
        line += f", app. {rng.randint(1, 40)}"
    return ({"use": "home", "line": [line], "city": city, "district": region, "state": "QC",
             "postalCode": postal_code(rng, rng.choice(fsas)), "country": "CA"}, area_codes)


def person_name(rng: random.Random, sex: str) -> tuple[str, list[str]]:
    """(family, given names): some compound surnames ('Lévesque-Roy'), some second given names."""
    family = rng.choice(FAMILY)
    if rng.random() < 0.12:
        other = rng.choice(FAMILY)
        if other != family and " " not in other and " " not in family:
            family = f"{family}-{other}"
    names = FEMALE if sex == "F" else MALE
    given = [rng.choice(names)]
    if rng.random() < 0.3:
        second = rng.choice(names)
        if second != given[0]:
            given.append(second)
    return family, given
