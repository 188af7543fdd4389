"""Word lists for the synthetic corpus: cities, area codes, names, sites, emoji, number words.

Everything here is invented or public reference data (city names, area codes). Persona names are
common first names used as stage names; they refer to nobody.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class City:
    """A city as ads write it (``name, region`` in ``location``) and as the truth names it."""

    name: str
    region: str
    country: str
    #: Area codes of the city (NANP); empty outside NANP.
    area_codes: tuple[int, ...]
    #: The ``location`` field: "Houston, TX".
    location: str
    #: The place canonical of the identifier contract: "Houston, TX, US".
    canonical: str
    slug: str
    #: A bigger or nearer namesake exists elsewhere (Vancouver, WA): ads name the province too.
    ambiguous: bool = False


def _city(
    name: str,
    region: str,
    country: str,
    *area_codes: int,
    shown: str = "",
    gazetteer: str = "",
    ambiguous: bool = False,
) -> City:
    """``gazetteer`` overrides the canonical ``City, Region`` part where the offline gazetteer
    (geonames) names the city or its region differently from the ad (New York City; Mexican
    states by their geonames admin1 code)."""
    location = f"{name}, {shown or region}"
    slug = name.lower().replace(" ", "").replace(".", "")
    canonical = f"{gazetteer or f'{name}, {region}'}, {country}"
    return City(name, region, country, area_codes, location, canonical, slug, ambiguous)


#: Cities ads are posted in. Names are unambiguous for a population-ranked gazetteer (the biggest
#: place of the name is the one meant) unless marked ``ambiguous``. ``region`` is the postal or
#: ISO 3166-2 code; the canonical follows the project's gazetteer (geonames admin1 codes for
#: Mexico: 02 Baja California, 14 Jalisco, 19 Nuevo León).
# fmt: off
US_CITIES: Final[tuple[City, ...]] = (
    _city("New York", "NY", "US", 212, 646, 718, 917, 347, gazetteer="New York City, NY"),
    _city("Los Angeles", "CA", "US", 213, 323, 310),
    _city("Chicago", "IL", "US", 312, 773, 872),
    _city("Houston", "TX", "US", 713, 281, 832, 346),
    _city("Phoenix", "AZ", "US", 602, 480, 623),
    _city("Philadelphia", "PA", "US", 215, 267),
    _city("San Antonio", "TX", "US", 210, 726),
    _city("San Diego", "CA", "US", 619, 858),
    _city("Dallas", "TX", "US", 214, 469, 972),
    _city("Austin", "TX", "US", 512, 737),
    _city("Jacksonville", "FL", "US", 904),
    _city("Fort Worth", "TX", "US", 817, 682),
    _city("Columbus", "OH", "US", 614, 380),
    _city("Charlotte", "NC", "US", 704, 980),
    _city("Indianapolis", "IN", "US", 317, 463),
    _city("San Francisco", "CA", "US", 415, 628),
    _city("Seattle", "WA", "US", 206),
    _city("Denver", "CO", "US", 303, 720),
    _city("Nashville", "TN", "US", 615, 629),
    _city("Oklahoma City", "OK", "US", 405),
    _city("El Paso", "TX", "US", 915),
    _city("Boston", "MA", "US", 617, 857),
    _city("Las Vegas", "NV", "US", 702, 725),
    _city("Detroit", "MI", "US", 313),
    _city("Memphis", "TN", "US", 901),
    _city("Louisville", "KY", "US", 502),
    _city("Baltimore", "MD", "US", 410, 443),
    _city("Milwaukee", "WI", "US", 414),
    _city("Albuquerque", "NM", "US", 505),
    _city("Tucson", "AZ", "US", 520),
    _city("Sacramento", "CA", "US", 916),
    _city("Atlanta", "GA", "US", 404, 678, 470),
    _city("Kansas City", "MO", "US", 816),
    _city("Miami", "FL", "US", 305, 786),
    _city("Orlando", "FL", "US", 407, 689),
    _city("Tampa", "FL", "US", 813),
    _city("New Orleans", "LA", "US", 504),
    _city("Minneapolis", "MN", "US", 612),
    _city("Cleveland", "OH", "US", 216),
    _city("Omaha", "NE", "US", 402),
    _city("Raleigh", "NC", "US", 919, 984),
    _city("Salt Lake City", "UT", "US", 801, 385),
    _city("Pittsburgh", "PA", "US", 412),
    _city("Cincinnati", "OH", "US", 513),
    _city("Honolulu", "HI", "US", 808),
    _city("Portland", "OR", "US", 503, 971),
)
# fmt: on

# fmt: off
CA_CITIES: Final[tuple[City, ...]] = (
    _city("Toronto", "ON", "CA", 416, 647, 437),
    _city("Vancouver", "BC", "CA", 604, 778, 236, ambiguous=True),
    _city("Calgary", "AB", "CA", 403, 587),
    _city("Ottawa", "ON", "CA", 613, 343, ambiguous=True),
    _city("Edmonton", "AB", "CA", 780, 825),
    _city("Winnipeg", "MB", "CA", 204, 431),
)
# fmt: on

# fmt: off
MX_CITIES: Final[tuple[City, ...]] = (
    _city("Tijuana", "BCN", "MX", shown="Baja California", gazetteer="Tijuana, 02"),
    _city("Guadalajara", "JAL", "MX", shown="Jalisco", gazetteer="Guadalajara, 14"),
    _city("Monterrey", "NLE", "MX", shown="Nuevo León", gazetteer="Monterrey, 19"),
)
# fmt: on

ALL_CITIES: Final[tuple[City, ...]] = US_CITIES + CA_CITIES + MX_CITIES

#: Canadian area codes whose NXX-555-01XX lines libphonenumber accepts (see below).
# fmt: off
CA_AREA_CODES: Final[tuple[int, ...]] = (
    204, 226, 236, 249, 250, 257, 263, 273, 289, 306, 343, 354, 365, 367, 368, 382, 403, 416,
    418, 428, 431, 437, 438, 450, 468, 474, 506, 514, 519, 548, 579, 581, 584, 587, 604, 613,
    639, 647, 672, 683, 705, 709, 742, 753, 778, 780, 782, 807, 819, 825, 867, 873, 879, 902,
    905, 942,
)
# fmt: on

#: US area codes whose NXX-555-01XX lines libphonenumber 9.0.43 accepts as valid
#: fixed-line-or-mobile numbers. With the Canadian ones: the fictional pool (415 codes x 100).
# fmt: off
US_AREA_CODES: Final[tuple[int, ...]] = (
    201, 202, 203, 205, 206, 207, 208, 209, 210, 212, 213, 214, 215, 216, 217, 218, 219, 220,
    223, 224, 225, 227, 228, 229, 231, 234, 235, 239, 240, 248, 251, 252, 253, 254, 256, 260,
    262, 267, 269, 270, 272, 274, 276, 279, 281, 283, 301, 302, 303, 304, 305, 307, 308, 309,
    310, 312, 313, 314, 315, 316, 317, 318, 319, 320, 321, 323, 324, 325, 326, 327, 329, 330,
    331, 332, 334, 336, 337, 339, 341, 346, 347, 350, 351, 352, 353, 360, 361, 363, 364, 369,
    380, 385, 386, 401, 402, 404, 405, 406, 407, 408, 409, 410, 412, 413, 414, 415, 417, 419,
    423, 424, 425, 430, 432, 434, 435, 440, 442, 443, 445, 447, 448, 458, 463, 464, 469, 470,
    472, 475, 478, 479, 480, 484, 501, 502, 503, 504, 505, 507, 508, 509, 510, 512, 513, 515,
    516, 517, 518, 520, 530, 531, 534, 539, 540, 541, 551, 557, 559, 561, 562, 563, 564, 567,
    570, 571, 572, 573, 574, 575, 580, 582, 585, 586, 601, 602, 603, 605, 606, 607, 608, 609,
    610, 612, 614, 615, 616, 617, 618, 619, 620, 623, 626, 628, 629, 630, 631, 636, 640, 641,
    645, 646, 650, 651, 656, 657, 659, 660, 661, 662, 667, 669, 678, 680, 681, 682, 686, 689,
    701, 702, 703, 704, 706, 707, 708, 712, 713, 714, 715, 716, 717, 718, 719, 720, 724, 725,
    726, 727, 728, 730, 731, 732, 734, 737, 738, 740, 743, 747, 748, 754, 757, 760, 762, 763,
    765, 769, 770, 771, 772, 773, 774, 775, 779, 781, 785, 786, 801, 802, 803, 804, 805, 806,
    808, 810, 812, 813, 814, 815, 816, 817, 818, 820, 821, 826, 828, 830, 831, 832, 835, 838,
    839, 840, 843, 845, 847, 848, 850, 854, 856, 857, 858, 859, 860, 862, 863, 864, 865, 870,
    872, 878, 901, 903, 904, 906, 907, 908, 909, 910, 912, 913, 914, 915, 916, 917, 918, 919,
    920, 925, 928, 929, 930, 931, 934, 936, 937, 938, 940, 941, 943, 945, 947, 948, 949, 951,
    952, 954, 956, 959, 970, 971, 972, 973, 975, 978, 979, 980, 983, 984, 985, 986, 989,

)
NANP_AREA_CODES: Final[tuple[int, ...]] = US_AREA_CODES + CA_AREA_CODES
# fmt: on

#: UK number blocks Ofcom reserves for drama (fictional) that libphonenumber accepts: digits
#: after +44 before the last four, whose lines 0000-0999 are reserved. Used for the rare
#: international contacts (job lures).
UK_DRAMA_PREFIXES: Final[tuple[str, ...]] = (
    "207946",  # London 020 7946 0000-0999
    "113496",  # Leeds 0113 496 0000-0999
    "161496",  # Manchester 0161 496 0000-0999
    "121496",  # Birmingham 0121 496 0000-0999
)

# fmt: off
FEMALE_NAMES: Final[tuple[str, ...]] = (
    "Mia", "Bella", "Luna", "Jasmine", "Destiny", "Amber", "Roxy", "Honey",
    "Skye", "Angel", "Diamond", "Ivy", "Lexi", "Jade", "Ruby", "Sasha", "Tiffany",
    "Brooke", "Chloe", "Daisy", "Emma", "Gigi", "Kiki", "Maya", "Nina",
    "Scarlett", "Violet", "Zoe", "Aaliyah", "Bianca", "Carmen", "Dulce",
    "Fiona", "Gabby", "Hailey", "Isabella", "Jenna", "Kayla", "Layla", "Monique", "Naomi",
    "Olivia", "Priya", "Raven", "Sienna", "Tasha", "Valentina", "Willow", "Ximena", "Yasmin",
    "Zara", "Alina", "Bonnie", "Cece", "Dana", "Elena", "Fallon", "Giselle", "Harmony", "Iris",
    "Josie", "Lily", "Nova", "Peaches", "Queenie", "Rosa", "Sugar", "Tori",
    "Unique", "Vanessa", "Yuki", "Autumn", "Brandy", "Cherry", "Dior", "Essence",
    "Coco", "Summer", "Star", "Sky", "Bambi", "Barbie", "Cinnamon", "Velvet", "Remy", "Selena",
)
# fmt: on

#: Syllables for invented user names, tags, companies and domains.
# fmt: off
SYLLABLES: Final[tuple[str, ...]] = (
    "ka", "lo", "mi", "ra", "ze", "vi", "na", "to", "shi", "be", "lu", "da", "ko", "ri", "sa",
    "ne", "po", "ty", "ja", "xo", "qi", "mo", "fa", "re", "wi", "yo", "cu", "la", "ti", "ve",
)
# fmt: on

# fmt: off
USER_WORDS: Final[tuple[str, ...]] = (
    "sweet", "candy", "baby", "honey", "kitty", "angel", "lovely", "sexy", "cutie", "doll",
    "bunny", "queen", "princess", "shorty", "peach", "cherry", "vip", "luxe", "dream", "silk",
)
# fmt: on

# fmt: off
EMAIL_DOMAINS: Final[tuple[str, ...]] = (
    "gmail.com", "yahoo.com", "outlook.com", "proton.me", "hotmail.com", "icloud.com",
)
# fmt: on

SITES: Final[tuple[str, ...]] = ("nightlist", "citypages", "localhotads", "adboard24", "vipboard")
JOB_SITES: Final[tuple[str, ...]] = ("jobsboard", "workabroadnow", "empleoshoy", "hirelocal")

# fmt: off
EMOJI: Final[tuple[str, ...]] = (
    "💋", "🌹", "🔥", "✨", "💦", "😘", "❤️", "💯", "🍑", "🍒", "👅", "💕", "😍", "🥰", "⭐",
    "🌸", "💎", "👑", "🦋", "🍭",
)
# fmt: on
SEPARATOR_EMOJI: Final[tuple[str, ...]] = ("💋", "🌹", "🔥", "✨", "💕", "⭐", "🍒", "💎")

# fmt: off
DIGIT_WORDS_EN: Final[tuple[str, ...]] = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
)
# fmt: on
# fmt: off
DIGIT_WORDS_ES: Final[tuple[str, ...]] = (
    "cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve",
)
# fmt: on
FULLWIDTH_DIGITS: Final = "０１２３４５６７８９"
CIRCLED_DIGITS: Final = "⓪①②③④⑤⑥⑦⑧⑨"
#: Digit + variation selector 16 + combining enclosing keycap.
KEYCAP_DIGITS: Final[tuple[str, ...]] = tuple(f"{d}\ufe0f\u20e3" for d in "0123456789")

# fmt: off
AGE_WORDS_EN: Final[dict[int, str]] = {
    16: "sixteen", 17: "seventeen", 18: "eighteen", 19: "nineteen", 20: "twenty",
    21: "twenty one", 22: "twenty two", 23: "twenty three", 24: "twenty four", 25: "twenty five",
}
# fmt: on

# fmt: off
COMPANY_FIRST: Final[tuple[str, ...]] = (
    "Bright", "North", "Blue", "Copper", "River", "Oak", "Harbor", "Cedar", "Prairie", "Falcon",
    "Silver", "Granite", "Pioneer", "Juniper", "Maple", "Sun", "Beacon", "Orchard", "Iron",
    "Pine", "Lake", "Elm", "Birch", "Red", "Green", "Clear", "Stone", "Summit", "Frontier",
    "Cobalt",
)
# fmt: on
#: A region word most employers carry in their name ("Brightview Valley Logistics"): with the
#: words above, about 63,000 names, so employers rarely share a name (and a domain) by chance.
# fmt: off
COMPANY_REGION: Final[tuple[str, ...]] = (
    "Valley", "Coastal", "Metro", "Tri-County", "Lakeside", "Northern", "Southern", "Eastern",
    "Western", "Central", "Midwest", "Gulf", "Mountain", "Bay", "Capital", "Heartland",
    "Pacific", "Atlantic", "Desert", "Riverside",
)
# fmt: on
# fmt: off
COMPANY_SECOND: Final[tuple[str, ...]] = (
    "line", "field", "stone", "gate", "point", "ridge", "view", "way", "bridge", "crest",
)
# fmt: on
# fmt: off
COMPANY_KIND: Final[tuple[str, ...]] = (
    "Logistics", "Foods", "Health", "Hospitality", "Builders", "Cleaning Services", "Retail",
    "Care", "Manufacturing", "Landscaping",
)
# fmt: on
