"""Sentence pools the synthetic ads are written from, each sentence tagged with its signals.

A sentence is a :class:`Phrase`: literal text with ``{slot}`` holes (name, age, city, phone...)
that the generator fills per post. Literal text never holds an identifier (no numbers that read
as ages or prices, no place names, no contacts): every identifier comes from a slot, so the
truth knows exactly where each one is. Signals name the indicator a sentence plants (third-person
language, deposit demand, passport held...), so screening can be evaluated against the truth.

All wording is written for this project; none is copied from real ads.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

__all__ = ["SIGNALS", "Phrase", "phrase"]

_SLOT: Final = re.compile(r"\{(\w+)\}")

#: Every signal code a phrase or slot can plant, with what it means (docs/synth.md lists them).
SIGNALS: Final[dict[str, str]] = {
    "third_person": "the ad speaks about 'my girls' / 'her' for someone else",
    "new_girls": "rotation language: new girls every week",
    "third_party_contact": "contact goes to a manager or driver, not the advertised person",
    "young_age": "claimed age 18 or 19",
    "under18_claim": "claimed age under 18 as written",
    "barely_legal": "'barely legal' / 'just turned legal' wording",
    "movement": "just arrived / leaving soon / few days in town",
    "deposit_demand": "a deposit before meeting",
    "gift_card": "payment by gift card",
    "crypto_payment": "payment to a crypto wallet",
    "verify_link": "'verify you are not a cop' link",
    "unrealistic_pay": "pay far above the market for unskilled work",
    "travel_paid": "travel paid by the employer",
    "visa_paid": "visa arranged or paid by the employer",
    "no_experience": "no experience, no language needed",
    "appearance_requirement": "job asks for young or attractive applicants",
    "recruitment_fee": "the applicant pays a fee or deposit",
    "passport_held": "the employer or agency keeps the passport",
    "messenger_only": "contact only through WhatsApp or Telegram",
    "urgency": "urgent hiring, leave immediately",
    "no_fees_stated": "a genuine employer states that it charges no fees",
}


@dataclass(frozen=True, slots=True)
class Phrase:
    """A sentence: ``parts`` alternate literal text (even indexes) and slot names (odd)."""

    parts: tuple[str, ...]
    signals: tuple[str, ...] = ()
    #: The whole text when the phrase has no slot (the assembler's fast path), else None.
    literal: str | None = field(init=False, default=None, compare=False)

    def __post_init__(self) -> None:
        if len(self.parts) == 1:
            object.__setattr__(self, "literal", self.parts[0])

    @property
    def slots(self) -> tuple[str, ...]:
        return self.parts[1::2]


def phrase(text: str, *signals: str) -> Phrase:
    """Parse ``"Text {phone} now"`` into a :class:`Phrase`; unknown signal codes are a bug."""
    for code in signals:
        if code not in SIGNALS:
            raise ValueError(f"unknown signal {code!r}")
    return Phrase(tuple(_SLOT.split(text)), signals)


def _pool(*items: str | tuple[str, ...]) -> tuple[Phrase, ...]:
    out: list[Phrase] = []
    for item in items:
        if isinstance(item, str):
            out.append(phrase(item))
        else:
            out.append(phrase(item[0], *item[1:]))
    return tuple(out)


# --- organised networks (controller templates) -----------------------------------------------

NETWORK_TITLES: Final = _pool(
    "NEW IN TOWN {name} {age} {emoji}",
    "{emoji} Just arrived: {name} {age} {emoji}",
    ("Brand new girls in {city} {emoji}", "new_girls"),
    "{name} {age} - sweet and young {emoji}",
    ("Young fresh girls this week {emoji} {city}", "new_girls"),
    ("{emoji} {city} visit - ask for {name} {emoji}", "movement"),
)

NETWORK_SECTIONS: Final[dict[str, tuple[Phrase, ...]]] = {
    "open": _pool(
        ("NEW IN TOWN {emoji}", "movement"),
        ("Just arrived in {city}!!", "movement"),
        ("{city} this week only {emoji}", "movement"),
        ("Brand new girls in {city}", "new_girls"),
        ("Hot new arrivals {emoji}", "new_girls"),
        "Welcome gentlemen {emoji}",
    ),
    "intro": _pool(
        "Hi gentlemen, meet {name}, {age}, sweet and playful.",
        "{name} here, {age} and ready to have fun.",
        "Ask for {name} ({age}), young and fresh.",
        "Say hi to {name}, only {age}, petite and shy.",
        ("This is {name}, {age}, barely legal and eager to please.", "barely_legal"),
        ("{name} just turned legal, {age}, very new to this.", "barely_legal"),
    ),
    "third": _pool(
        ("My girls are young, fresh and ready to please you.", "third_person"),
        ("New girls every week!", "new_girls"),
        (
            "We have the prettiest girls in town, a different girl every day.",
            "third_person",
            "new_girls",
        ),
        ("Ask about her friends, two girl special available.", "third_person"),
        ("All my girls are clean, discreet and very friendly.", "third_person"),
        ("Choose your favorite, all my girls are real.", "third_person"),
        ("She does not speak much English but she is very sweet.", "third_person"),
    ),
    "service": _pool(
        "Incall only, clean private location.",
        "Outcall to your hotel available all night.",
        "Available 24/7, walk-ins welcome.",
        "Discreet location, free parking.",
        "Late night specials.",
    ),
    "rates": _pool(
        "Special tonight {price}.",
        "Rates: {price} and {price2}.",
        "Only {price}, no rush.",
        "{price} special, ask for two girls.",
    ),
    "contact": _pool(
        "Text {phone} to book.",
        "Call or text {phone} now!",
        "{phone} text only, no calls.",
        "Book now: {phone}",
        ("Text my manager at {phone}.", "third_party_contact"),
        ("Our driver picks up the phone: {phone}", "third_party_contact"),
    ),
    "handle": _pool(
        "Snap or text: {handle}",
        "Also on {handle}",
        "Add {handle} for more pics.",
    ),
    "deposit": _pool(
        ("Deposit {deposit} required before meeting, send to {payment}.", "deposit_demand"),
        ("No deposit no meeting: {deposit} via {payment}.", "deposit_demand"),
        ("Send {deposit} deposit to {wallet} to confirm.", "deposit_demand", "crypto_payment"),
        ("We only take crypto for deposits: {wallet}", "deposit_demand", "crypto_payment"),
    ),
    "movement": _pool(
        ("Only in town for a few days, don't miss out!", "movement"),
        ("Leaving {city} soon.", "movement"),
        ("Last days here, next week we move on.", "movement"),
    ),
    "close": _pool(
        "No police, no games.",
        "Serious clients only.",
        "No blocked calls.",
        "100% real pics.",
        "Thank you for reading xoxo",
    ),
}

#: Sections every network template has, in their usual order; the optional ones are added with
#: the generator's probabilities.
NETWORK_CORE: Final = ("open", "intro", "third", "service", "rates", "contact", "close")

# --- a controller's own voice ------------------------------------------------------------------
# Every network template draws its sentences from the shared pools above, like boilerplate; on
# top of them each controller writes in their own words: a sign-off line of its own and a few
# sentences ended its own way. Without this, thousands of networks drawing 7-10 sentences from
# pools of 3-7 would write the same ad verbatim by chance (at 1M posts, tens of thousands of
# template pairs shared five of seven sentences), and a truth that calls such texts different
# templates measures luck, not clustering. None of these words is an identifier, a first name
# or an indicator (tests check it), so extraction and screening truths are unchanged.

#: Sign-off lines are "<Adjective> <Noun>: <tagline>." (20 x 16 x 12 = 3,840 of them).
VOICE_ADJECTIVES: Final = (
    "midnight", "silver", "sapphire", "lunar", "satin", "cobalt", "copper", "onyx", "saffron",
    "marble", "gilded", "moonlit", "polished", "hidden", "secret", "frosted", "twilight",
    "crimson", "topaz", "bronze",
)  # fmt: skip
VOICE_NOUNS: Final = (
    "lounge", "garden", "palace", "studio", "retreat", "haven", "parlor", "suite", "oasis",
    "boutique", "gallery", "terrace", "lantern", "cabin", "manor", "villa",
)  # fmt: skip
VOICE_TAGLINES: Final = (
    "your escape from the ordinary",
    "where every visit feels like the first",
    "the finest company around",
    "treat yourself this evening",
    "quality over quantity",
    "making memories one visit at a time",
    "we aim to delight",
    "an unforgettable evening awaits",
    "come see what the buzz is about",
    "comfort and class",
    "for the man with taste",
    "a little luxury goes a long way",
)
#: Words a controller ends some sentences with, before the final punctuation.
VOICE_TAILS: Final = (
    " as always", " every time", " guaranteed", " no exceptions", " trust me", " you will see",
    " promise", " of course", " all day", " believe it", " for sure", " without fail",
)  # fmt: skip


def signed_with(adjective: str, noun: str, tagline: str) -> Phrase:
    """A controller's sign-off line (no slot, no signal)."""
    return phrase(f"{adjective.capitalize()} {noun.capitalize()}: {tagline}.")


def with_tail(block: Phrase, tail: str) -> Phrase:
    """``block`` with ``tail`` before its final punctuation; a block that does not end in
    literal punctuation (it ends with a slot) is returned as it is."""
    last = block.parts[-1]
    stripped = last.rstrip(".!?")
    if stripped == last:
        return block
    return Phrase((*block.parts[:-1], stripped + tail + last[len(stripped) :]), block.signals)


# --- scam blasts -------------------------------------------------------------------------------

SCAM_TITLES: Final = _pool(
    "{name} {age} real and independent {emoji}",
    "Sweet girl looking for fun tonight {emoji}",
    "{emoji} {name} new in {city} {emoji}",
    "Verified only - {name} {age}",
)

SCAM_SECTIONS: Final[dict[str, tuple[Phrase, ...]]] = {
    "open": _pool("Hey babe {emoji}", "Hi handsome,", "Hello baby {emoji}", "Hii sweetie,"),
    "intro": _pool(
        "I'm {name}, {age}, new in {city} and looking for fun tonight.",
        "My name is {name}, {age}. Real and independent.",
        "{name} here, {age}, visiting {city} for a short time.",
    ),
    "verify": _pool(
        ("Before we meet you MUST verify you are not law enforcement at {url}", "verify_link"),
        ("For my safety I only see verified men. Get verified here: {url}", "verify_link"),
        ("Screening is required, it only takes two minutes: {url}", "verify_link"),
    ),
    "deposit_giftcard": _pool(
        (
            "After verification send a {deposit} {giftcard} gift card as a deposit.",
            "deposit_demand",
            "gift_card",
        ),
        (
            "Deposit is a {giftcard} gift card of {deposit}, send me the code.",
            "deposit_demand",
            "gift_card",
        ),
    ),
    "deposit_payment": _pool(
        ("Deposit {deposit} by {payment} and then I send you my address.", "deposit_demand"),
        ("Send {deposit} to {payment} to hold your spot.", "deposit_demand"),
    ),
    "deposit_wallet": _pool(
        (
            "Send {deposit} in crypto to {wallet} to hold your spot.",
            "deposit_demand",
            "crypto_payment",
        ),
        ("Deposit {deposit} only by crypto: {wallet}", "deposit_demand", "crypto_payment"),
    ),
    "contact_phone": _pool("Text me at {phone}", "Only texts: {phone}"),
    "contact_handle": _pool("Message me on {handle}", "I reply fast on {handle}"),
    "close": _pool("Don't waste my time.", "No deposit, no date.", "Serious men only xoxo"),
}

GIFT_CARDS: Final = ("Apple", "Steam", "Google Play", "Amazon", "Vanilla", "Razer Gold")

# --- independent advertisers -------------------------------------------------------------------

INDEPENDENT_TITLES: Final = _pool(
    "{name} - {adj} {look} {kind} {emoji}",
    "{adj} {look} {name} available now",
    "Unforgettable time with {name} {emoji}",
    "{name} {age} {adj} and real",
    "Your {adj} escape - {name}",
    "{emoji} {name} {emoji} {adj} {look} {kind}",
)

INDEPENDENT_GREETINGS: Final = _pool(
    "Hi gentlemen!",
    "Hello there,",
    "Hey loves,",
    "Welcome!",
    "Hiii {emoji}",
    "Good evening,",
    "Hello handsome,",
    "Hi there, thanks for stopping by.",
    "Greetings,",
    "Hey you {emoji}",
)

INDEPENDENT_SELF: Final = _pool(
    "I'm {name}, {a_adj} {look} {kind} with {feature}.",
    "My name is {name}, {age}, {adj} and {look} with {feature}.",
    "{name} here: {adj}, {look} and with {feature} to match.",
    "I am {name}, your {adj} {look} {kind}.",
    "They call me {name}, {a_adj} {kind} with {feature}.",
    "Meet {name}, {age}, {adj} {look} {kind}.",
)

INDEPENDENT_AGE: Final = _pool(
    "I'm {age} and love good conversation.",
    "{age} and loving life.",
    "{age}, independent and discreet.",
)

INDEPENDENT_PERSONALITY: Final = _pool(
    "I love long conversations over a glass of wine.",
    "Down to earth, easy going and always smiling.",
    "I'm a massage lover and a great listener.",
    "Bubbly personality with a naughty side.",
    "I enjoy art galleries, fine dining and good company.",
    "Think girlfriend experience without the drama.",
    "Shy at first, but you will see my wild side.",
    "I treat every date like the first one.",
    "Classy in public, playful in private.",
    "I'm a yoga girl with a soft touch.",
    "Let me help you forget about your long week.",
    "I'm a student who loves to travel.",
    "Bookworm by day, dancer by night.",
    "My smile will make your day better.",
    "I take my time and never rush.",
    "Always punctual, always well dressed.",
    "Sweet like honey and just as addictive.",
    "I love to cook and I'm a little sarcastic.",
    "Fitness addict with the curves to prove it.",
    "Former dancer with legs for days.",
    "Nerdy girl who loves video games and cuddles.",
    "Tattooed, pierced and full of energy.",
    "I value respect, hygiene and discretion.",
    "Elegant, educated and well travelled.",
    "Country girl with big city manners.",
    "Music lover, ask me about my playlist.",
    "I'm the kind of girl you can take to dinner.",
    "Romantic at heart and very affectionate.",
    "I speak English and a little French.",
    "Cuddly, cheeky and a great kisser.",
    "Friendly and open minded, ask me anything.",
    "Perfect for a relaxing evening after work.",
)

#: Phrases that many independent ads share. Clustering must not glue ads on these alone.
INDEPENDENT_BOILERPLATE: Final = _pool(
    "Incall and outcall.",
    "No blocked calls.",
    "100% real pics.",
    "Serious gentlemen only.",
    "Upscale and discreet.",
    "No rush, quality time.",
    "Text only, no calls.",
    "Screening required.",
    "Safe and discreet location.",
    "Respectful men only.",
)

INDEPENDENT_AVAILABILITY: Final = _pool(
    "Available most evenings.",
    "Weekends only.",
    "Open late.",
    "Available day and night.",
    "Mornings are best for me.",
    "Same day appointments welcome.",
    "Available by appointment.",
    "Booking ahead is appreciated.",
)

INDEPENDENT_VISIT: Final = _pool(
    "Visiting {city} this week.",
    "In {city} for a few days.",
    "Based in {city}.",
    "Located in {city}, close to the airport.",
    "{city} area, easy parking.",
)

INDEPENDENT_RATES: Final = _pool(
    "Rates start at {price}.",
    "{price} | {price2}",
    "Donations: {price}.",
    "Special {price} today.",
)

INDEPENDENT_CONTACT: Final = _pool(
    "Text me at {phone}",
    "{phone}",
    "Call {phone}",
    "Reach me at {phone} (text preferred)",
    "Text {phone} with your name and time.",
    "Contact: {phone}",
)

INDEPENDENT_HANDLE: Final = _pool("Find me on {handle}", "{handle}", "My page: {handle}")
INDEPENDENT_EMAIL: Final = _pool("Email: {email}", "Or email me at {email}", "{email}")
INDEPENDENT_DEPOSIT: Final = _pool(
    ("Small deposit {deposit} for first time clients via {payment}.", "deposit_demand"),
)
INDEPENDENT_CLOSINGS: Final = _pool(
    "Kisses {emoji}",
    "See you soon!",
    "xoxo {name}",
    "Can't wait to meet you.",
    "{emoji}",
    "Hope to hear from you.",
    "Love, {name}",
)
#: Lines an independent adds to a near-exact repost.
INDEPENDENT_REPOST_LINES: Final = _pool(
    "Back in town!",
    "New pics!",
    "Last day this week.",
    "Updated rates.",
    "Still available.",
    "Bumping my ad.",
)

INDEPENDENT_ADJECTIVES: Final = (
    "sweet",
    "classy",
    "bubbly",
    "sultry",
    "curvy",
    "petite",
    "elegant",
    "down to earth",
    "playful",
    "laid back",
    "sophisticated",
    "exotic",
    "athletic",
    "busty",
    "slim",
    "tall",
    "stunning",
    "naughty",
    "charming",
    "gorgeous",
    "discreet",
    "luxurious",
    "fun",
)
INDEPENDENT_LOOKS: Final = (
    "brunette",
    "blonde",
    "redheaded",
    "raven haired",
    "curly haired",
    "green eyed",
    "tattooed",
    "freckled",
    "sun kissed",
    "dark haired",
    "blue eyed",
    "platinum blonde",
)
INDEPENDENT_KINDS: Final = ("companion", "lady", "girl", "muse", "beauty", "model", "woman")
INDEPENDENT_FEATURES: Final = (
    "a warm smile",
    "long legs",
    "green eyes",
    "soft skin",
    "a great sense of humor",
    "beautiful tattoos",
    "natural curves",
    "a contagious laugh",
    "a sweet voice",
    "dimples",
    "long dark hair",
    "freckles",
    "an hourglass figure",
    "a gentle touch",
    "brown eyes",
)

# --- labour recruitment -----------------------------------------------------------------------

LURE_TITLES_EN: Final = _pool(
    ("URGENT HIRING: {role} abroad, travel paid", "urgency", "travel_paid"),
    ("Work abroad as {role} - no experience needed", "no_experience"),
    ("{role} wanted, high pay, visa provided", "visa_paid"),
    "Young women wanted for {role} jobs",
)
LURE_SECTIONS_EN: Final[dict[str, tuple[Phrase, ...]]] = {
    "offer": _pool(
        ("We are hiring young women for {role} work abroad.", "appearance_requirement"),
        "International company needs {role} staff for hotels and restaurants overseas.",
        "Agency recruiting {role} for seasonal work in another country.",
    ),
    "pay": _pool(
        ("Salary {pay}, paid in cash every week.", "unrealistic_pay"),
        ("Earn up to {pay} plus tips!", "unrealistic_pay"),
        ("Guaranteed income of {pay} from day one.", "unrealistic_pay"),
    ),
    "benefits": _pool(
        ("Travel, visa and housing paid by the company.", "travel_paid", "visa_paid"),
        ("Flight ticket and visa provided, free accommodation.", "travel_paid", "visa_paid"),
        ("We arrange your work visa and pay your ticket.", "travel_paid", "visa_paid"),
    ),
    "requirements": _pool(
        ("No experience needed, no English needed.", "no_experience"),
        ("Only requirement: be young and attractive.", "appearance_requirement"),
        ("No papers needed, we take care of everything.", "no_experience"),
    ),
    "fee": _pool(
        (
            "Pay a small registration fee of {fee} to start the visa process via {payment}.",
            "recruitment_fee",
        ),
        ("Refundable deposit of {fee} for your documents.", "recruitment_fee"),
        ("Processing fee {fee}, send by {payment}.", "recruitment_fee"),
    ),
    "passport": _pool(
        ("The agency keeps your passport safe during the contract.", "passport_held"),
        ("Bring your passport, the employer holds all documents for security.", "passport_held"),
    ),
    "interview": _pool(
        "Interviews in {city} this week.",
        "Meeting point in {city}, transport to the airport included.",
    ),
    "contact": _pool(
        ("Contact only by {whatsapp}", "messenger_only"),
        ("Message us on {handle}, no calls.", "messenger_only"),
        ("WhatsApp only {handle}", "messenger_only"),
    ),
    "urgency": _pool(
        ("Limited places, leave this week!", "urgency"),
        ("Start immediately, apply today.", "urgency"),
    ),
}

LURE_TITLES_ES: Final = _pool(
    ("URGENTE: {role} en el extranjero, viaje pagado", "urgency", "travel_paid"),
    ("Trabajo de {role} sin experiencia", "no_experience"),
    ("Se buscan señoritas para {role}", "appearance_requirement"),
)
LURE_SECTIONS_ES: Final[dict[str, tuple[Phrase, ...]]] = {
    "offer": _pool(
        ("Se buscan señoritas para trabajar de {role} en el extranjero.", "appearance_requirement"),
        "Empresa internacional contrata {role} para hoteles y restaurantes.",
    ),
    "pay": _pool(
        ("Sueldo de {pay}, pago semanal.", "unrealistic_pay"),
        ("Gana hasta {pay} más propinas.", "unrealistic_pay"),
    ),
    "benefits": _pool(
        ("Viaje, visa y hospedaje pagados por la empresa.", "travel_paid", "visa_paid"),
        ("Te damos boleto de avión, visa y casa.", "travel_paid", "visa_paid"),
    ),
    "requirements": _pool(
        ("No se necesita experiencia ni inglés.", "no_experience"),
        ("Solo buscamos chicas jóvenes y de buena presentación.", "appearance_requirement"),
    ),
    "fee": _pool(
        ("Cuota de inscripción de {fee} para tramitar tu visa por {payment}.", "recruitment_fee"),
        ("Depósito de {fee} por tus documentos.", "recruitment_fee"),
    ),
    "passport": _pool(
        ("La agencia guarda tu pasaporte durante el contrato.", "passport_held"),
    ),
    "interview": _pool("Entrevistas en {city} esta semana.", "Salida desde {city}."),
    "contact": _pool(
        ("Contacto solo por {whatsapp}", "messenger_only"),
        ("Escríbenos por {handle}, no llamadas.", "messenger_only"),
        ("Solo WhatsApp {handle}", "messenger_only"),
    ),
    "urgency": _pool(("¡Plazas limitadas, salida inmediata!", "urgency")),
}
LURE_ORDER: Final = (
    "offer",
    "pay",
    "benefits",
    "requirements",
    "fee",
    "passport",
    "interview",
    "contact",
    "urgency",
)
LURE_ROLES_EN: Final = (
    "hostess",
    "waitress",
    "hotel housekeeper",
    "model",
    "dancer",
    "nanny",
    "massage therapist",
    "farm worker",
    "factory worker",
    "cleaner",
)
LURE_ROLES_ES: Final = (
    "edecán",
    "mesera",
    "recamarera",
    "modelo",
    "bailarina",
    "niñera",
    "masajista",
    "trabajadora agrícola",
    "obrera",
    "limpieza",
)

GENUINE_TITLES_EN: Final = _pool(
    "{company} is hiring: {role}",
    "{role} - full time - {company}",
    "Now hiring {role}",
)
GENUINE_SECTIONS_EN: Final[dict[str, tuple[Phrase, ...]]] = {
    "offer": _pool(
        "{company} is hiring a full-time {role} in {city}.",
        "Join the team at {company} as a {role} at our {city} location.",
    ),
    "pay": _pool("Pay: {pay}, weekly direct deposit.", "Starting pay {pay} with raises."),
    "benefits": _pool(
        "Benefits include health insurance, paid time off and a retirement plan.",
        "Paid training, dental and vision coverage.",
    ),
    "requirements": _pool(
        "Requirements: reliable transportation and a background check.",
        "Previous experience preferred but we will train the right person.",
        "High school diploma or equivalent.",
    ),
    "schedule": _pool("Schedule: Monday to Friday, day shift.", "Rotating weekend shifts."),
    "nofee": _pool(("We never charge fees to applicants.", "no_fees_stated")),
    "apply": _pool(
        "Apply online at {url}",
        "Send your resume to {email}",
        "Questions? Call {phone}",
    ),
}
GENUINE_TITLES_ES: Final = _pool("{company} contrata: {role}", "Vacante de {role}")
GENUINE_SECTIONS_ES: Final[dict[str, tuple[Phrase, ...]]] = {
    "offer": _pool(
        "{company} está contratando {role} de tiempo completo en {city}.",
        "Únete a {company} como {role} en nuestra sucursal de {city}.",
    ),
    "pay": _pool("Sueldo: {pay}, pago semanal.", "Sueldo base {pay} más prestaciones."),
    "benefits": _pool("Prestaciones de ley, seguro médico y vacaciones pagadas."),
    "requirements": _pool(
        "Requisitos: experiencia de un año y documentos en regla.",
        "Secundaria terminada, con ganas de aprender.",
    ),
    "schedule": _pool("Horario de lunes a viernes.", "Turnos rotativos."),
    "nofee": _pool(("No cobramos ninguna cuota a los candidatos.", "no_fees_stated")),
    "apply": _pool("Solicita en {url}", "Envía tu CV a {email}", "Informes al {phone}"),
}
GENUINE_ORDER: Final = ("offer", "pay", "benefits", "requirements", "schedule", "nofee", "apply")
# An employer's or a recruiter's own voice. At a million posts, tens of thousands of employers
# drew every sentence from the small pools above, so distinct employers wrote the same ad word for
# word bar the company name, and a truth that calls them different templates measured chance
# (stop 14: false clusters of 2,615 employers). Real employers say who they are and what the work
# is in their own words; recruiters sign with an agency name and have turns of phrase. None of
# these words is an identifier, a first name or an indicator (tests check it).

#: "About us" lines: "<Kind> business: <mission>." (12 x 14 = 168 of them).
JOB_ABOUT_KINDS_EN: Final = (
    "family-owned", "locally owned", "employee-owned", "community-focused", "independently run",
    "veteran-founded", "fast-growing", "award-winning", "long-established", "neighborhood",
    "regional", "second-generation",
)  # fmt: skip
JOB_MISSIONS_EN: Final = (
    "we take pride in friendly service",
    "our customers are our neighbors",
    "great work starts with great people",
    "we promote from within",
    "we treat our team like family",
    "safety comes first on every shift",
    "we keep things simple and fair",
    "quality is our first priority",
    "every team member has a voice",
    "we grow together",
    "we show up for our community",
    "we do the job right the first time",
    "we believe in honest work",
    "we celebrate every milestone together",
)
JOB_ABOUT_KINDS_ES: Final = (
    "empresa familiar", "negocio local", "empresa regional", "empresa en crecimiento",
    "empresa con tradición", "negocio de barrio", "empresa reconocida", "empresa comunitaria",
)  # fmt: skip
JOB_MISSIONS_ES: Final = (
    "cuidamos a nuestro equipo",
    "el servicio es lo primero",
    "crecemos juntos",
    "valoramos el trabajo bien hecho",
    "nuestros clientes son nuestros vecinos",
    "la seguridad es primero",
    "apostamos por la gente de la zona",
    "promovemos desde adentro",
    "trabajamos con honestidad",
    "cada persona cuenta",
)
#: Duties: three of these, in the employer's order (16 x 15 x 14 = 3,360 lists).
JOB_DUTIES_EN: Final = (
    "greet customers", "keep the work area clean", "track inventory", "load and unload trucks",
    "follow food safety rules", "answer the phones", "stock shelves", "prepare orders",
    "assist the shift lead", "check deliveries", "keep accurate records", "operate equipment",
    "help new team members", "set up for the morning", "close up at night",
    "report any safety issue",
)  # fmt: skip
JOB_DUTIES_ES: Final = (
    "atender a los clientes", "mantener limpia el área", "llevar el inventario",
    "cargar y descargar mercancía", "acomodar producto", "preparar pedidos",
    "apoyar al encargado", "revisar entregas", "llevar registros", "operar equipo",
    "ayudar a los nuevos", "abrir por la mañana", "cerrar por la noche",
)  # fmt: skip
JOB_CLOSINGS_EN: Final = (
    "We look forward to meeting you.",
    "Come grow with us.",
    "We would love to hear from you.",
    "Be part of something good.",
    "Your next chapter starts here.",
    "Bring your best and we will bring ours.",
    "See you soon.",
    "Let us build something together.",
    "Good people, good work.",
    "Take the next step with us.",
)
JOB_CLOSINGS_ES: Final = (
    "Te esperamos.",
    "Crece con nosotros.",
    "Queremos conocerte.",
    "Forma parte de nuestro equipo.",
    "Tu siguiente paso empieza aquí.",
    "Buena gente, buen trabajo.",
    "Nos vemos pronto.",
)
#: A recruiter's sign-off: "<First><Second> <Kind>" (16 x 12 x 8 = 1,536 agency names).
AGENCY_FIRST: Final = (
    "Premier", "Silver", "Blue", "Global", "Grand", "Sunrise", "Pacific", "Atlas", "Horizon",
    "Summit", "Eagle", "Meridian", "Compass", "Zenith", "Unity", "Vista",
)  # fmt: skip
AGENCY_SECOND: Final = (
    "bridge", "way", "path", "link", "gate", "road", "point", "line", "wave", "field", "port",
    "crest",
)  # fmt: skip
AGENCY_KINDS_EN: Final = (
    "Agency", "Recruitment", "Staffing", "Placement", "Services", "Talent", "Group", "Partners",
)  # fmt: skip
AGENCY_KINDS_ES: Final = (
    "Agencia", "Reclutamiento", "Personal", "Colocaciones", "Servicios", "Talento", "Grupo",
    "Asociados",
)  # fmt: skip
#: Words a recruiter ends some sentences with, before the final punctuation.
RECRUITER_TAILS_EN: Final = (
    " for real", " no joke", " believe me", " I promise", " no doubt", " trust us",
    " this is serious", " do not wait", " you will not regret it", " honestly",
)  # fmt: skip
RECRUITER_TAILS_ES: Final = (
    " de verdad", " sin falta", " te lo aseguro", " en serio", " sin duda", " créeme",
    " no te arrepentirás", " palabra",
)  # fmt: skip


def employer_about(kind: str, mission: str, spanish: bool) -> Phrase:
    """An employer's line about itself (no slot, no signal)."""
    if spanish:
        return phrase(f"Quiénes somos: {kind}, {mission}.")
    return phrase(f"About us: {kind} business, {mission}.")


def employer_duties(duties: Sequence[str], spanish: bool) -> Phrase:
    """What the job is, in the employer's words."""
    if spanish:
        return phrase(f"Tus tareas: {', '.join(duties[:-1])} y {duties[-1]}.")
    return phrase(f"You will {', '.join(duties[:-1])} and {duties[-1]}.")


def agency_signature(first: str, second: str, kind: str) -> Phrase:
    """A recruiter's sign-off line (no slot, no signal)."""
    return phrase(f"{first}{second} {kind}")


GENUINE_ROLES_EN: Final = (
    "warehouse associate",
    "line cook",
    "caregiver",
    "delivery driver",
    "cashier",
    "housekeeper",
    "forklift operator",
    "dental receptionist",
    "landscaper",
    "server",
)
GENUINE_ROLES_ES: Final = (
    "auxiliar de almacén",
    "cocinero",
    "cuidador",
    "repartidor",
    "cajero",
    "recamarera",
    "operador de montacargas",
    "recepcionista",
    "jardinero",
    "mesero",
)
