"""newsie's vocabulary of news English: the word lists every text rule reads, in one place.

The boundary rules (`newsie.text.boundaries`), quotation marks (`newsie.text.quotes`), casualty
phrases (`newsie.text.casualty`), the rule baseline (`newsie.rules`) and the corpus converters all
take their words from here, so a word added for one is seen by all. Lists are lower case unless
their name says otherwise; `alternation` turns a list into a regex.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


def phrases(listing: str) -> tuple[str, ...]:
    """ "said,according to" -> ("said", "according to")."""
    return tuple(p.strip() for p in listing.split(",") if p.strip())


def alternation(words: Iterable[str]) -> str:
    """A regex alternation of phrases, longest first, spaces matching any run of whitespace."""
    ordered = sorted(words, key=len, reverse=True)
    return "|".join(r"\s+".join(map(re.escape, p.split())) for p in ordered)


# --- quotation marks ----------------------------------------------------------------------------

# Paired marks by family: a straight or curly single quote is also an apostrophe, so the rules
# that pair marks treat the single family strictly (`newsie.text.quotes`).
DOUBLE_OPENING_MARKS = "\"“„«"
DOUBLE_CLOSING_MARKS = "\"”»"
SINGLE_OPENING_MARKS = "'‘"
SINGLE_CLOSING_MARKS = "'’"
QUOTATION_MARKS = "\"'“”‘’„‟‚‛«»‹›`"
"""Every character that opens or closes a quotation, the backtick of ASCII ``quotes`` included."""

# --- function words, names and titles ------------------------------------------------------------

NAMES_WITH_ARTICLE = frozenset(["the hague", "the gambia", "the bahamas", "the netherlands"])
DETERMINERS = frozenset(
    "the a an this that these those my your his her its our their".split())
PRONOUNS = frozenset(
    """i me my mine myself you your yours yourself yourselves he him his himself she her hers
    herself it its itself we us our ours ourselves they them their theirs themselves who whom whose
    which what that this these those one oneself someone somebody anyone anybody everyone everybody
    nobody none each other another both all some any either neither here there where everywhere
    somewhere anywhere nowhere y'all""".split())
# Words that join a description to what it describes; a title or role phrase contains none.
FUNCTION_WORDS = frozenset(
    """of for to in on at by with from into onto about against among between through during before
    after over under near around outside inside within without than as like including regarding
    via per and or but nor who whom whose which that where when""".split())
TITLES = frozenset(
    """president vice prime minister secretary chancellor premier king queen prince princess
    emperor sheikh sultan emir ayatollah pope cardinal bishop archbishop rev reverend imam general
    gen lieutenant lt colonel col major maj captain capt brigadier brig sergeant sgt corporal cpl
    private pvt spc specialist admiral adm commodore commander cmdr officer chief marshal
    ambassador envoy consul senator sen congressman congresswoman representative rep governor gov
    mayor judge chairman chairwoman chair director spokesman spokeswoman spokesperson
    leader head mr mrs ms miss dr prof professor sir lord lady dame excellency ceo founder
    father inspector
    co-founder undersecretary executive coach manager editor""".split())
# Nouns that can end a place name after a named word: `Deir Ezzor province`, `Tanak oilfield`.
PLACE_NOUNS = frozenset(
    """province governorate district region county prefecture state city town village municipality
    neighbourhood neighborhood quarter suburb river lake sea valley mountain mountains hills desert
    island islands peninsula strip coast basin plain camp base airfield airport oilfield field dam
    barrage bridge square street road highway port harbour harbor station area zone
    crossing""".split())
# Last words that make a capitalised phrase an organisation, not a person named after a title.
ORGANISATION_NOUNS = frozenset(
    """assembly council committee command office department ministry court staff force forces army
    navy agency commission corps guard service services government party union authority bank fund
    organisation organization association brigade brigades battalion regiment division unit
    university college school institute foundation society company corporation motors
    electric""".split())
NAME_PARTICLES = frozenset("al el bin ibn bint abu de da di du del van von der den la le".split())


def is_name(words: Iterable[str]) -> bool:
    """Whether every word is capitalised or a name particle ("Abu Bakr al-Baghdadi")."""
    return all(w[0].isupper() or w.split("-")[0].lower() in NAME_PARTICLES for w in words)

PLACE_PREPOSITIONS = frozenset("of in at near".split())

# Titles written before a name as an abbreviation (`Gen. Votel`); `St.` is a saint or a street.
TITLE_ABBREVIATIONS = ("Mr", "Mrs", "Ms", "Dr", "Gen", "Lt", "Col", "Sgt", "Capt", "Maj", "Prof",
                       "Sen", "Rep", "Gov", "Rev")
# Generic nouns that introduce a place's name: `the town of Al-Safira`, `the capital of Syria`.
PLACE_HEAD_NOUNS = ("town", "city", "village", "province", "district", "region", "capital",
                    "suburb", "neighbourhood", "neighborhood", "area", "port", "state", "country",
                    "camp", "governorate")
COMPASS_DIRECTIONS = (
    "central", "northern", "southern", "eastern", "western", "north", "south", "east", "west",
    "northeast", "northwest", "southeast", "southwest", "north-eastern", "north-western",
    "south-eastern", "south-western", "downtown")
WEEKDAYS_AND_MONTHS = (
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May "
    "June July August September October November December").split()

# --- verbs and actors ----------------------------------------------------------------------------

REPORTING_VERBS = phrases(
    "said,says,say,saying,told,tells,telling,added,adds,adding,stated,declared,insisted,explained,"
    "warned,noted,asked,replied,announced,claimed,wrote,writes,urged,stressed,described,called,"
    "accused,quoted,according to,commented,argued,admitted,acknowledged,confirmed,denied,recalled,"
    "vowed,pledged,demanded,reported,tweeted,posted,continued,concluded,promised,threatened,"
    "complained,conceded,predicted,responded,remarked,observed,cautioned,suggested,calling,"
    "condemned,expressed,dismissed,denounced,welcomed,thanked,repeated"
)
ATTACK_VERBS = phrases(
    "killed,killing,kills,shot,shelled,shelling,bombed,bombing,attacked,attacking,struck,striking,"
    "hit,massacred,executed,ambushed,gunned down,slaughtered,murdered,wounded,wounding,injured,"
    "injuring,opened fire on,fired on,stormed,raided,targeted,beheaded,stabbed,blew up,bombarded,"
    "pounded"
)
PASSIVE_ATTACK_VERBS = phrases(
    "killed,shot,shot dead,wounded,injured,murdered,executed,massacred,attacked,targeted,"
    "gunned down,slain,stabbed,beheaded,hit,struck"
)
ATTACK_NOUNS = phrases(
    "attack,attacks,strike,strikes,airstrike,airstrikes,air strike,air strikes,raid,raids,"
    "air raid,air raids,shelling,bombing,bombings,bombardment,ambush,offensive,fire,assault"
)
NOMINAL_ACTORS = phrases(
    "rebels,militants,insurgents,army,troops,forces,police,government,regime,gunmen,jihadists,"
    "militia,militias,militiamen,military,authorities,ministry,opposition,attackers,assailants,"
    "bombers,terrorists"
)
NOMINAL_MODIFIERS = phrases(  # actors named by a modifier of an attack: "government air raids"
    "government,regime,army,rebel,militant,insurgent,military,police,coalition,jihadist,opposition"
)
ACTOR_MODIFIERS = phrases(  # what follows a name in a force: "government forces", "regime jets"
    "forces,troops,soldiers,fighters,militants,warplanes,jets,aircraft,helicopters,drones,tanks,"
    "artillery,gunmen,militiamen,police,army"
)
