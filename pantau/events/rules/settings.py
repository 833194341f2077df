"""Switches read from the environment (once, at import) and groups of PLOVER event types.

The switches and their measured effect are described in the package docstring. Modules read them as
``settings.NAME`` at call time, so an experiment can also set them on this module.
"""

import os

ANAPHORA = os.environ.get("PANTAU_ANAPHORA", "1") == "1"
DEP_MODE = int(os.environ.get("PANTAU_DEP", "2"))
INFER_RECIPIENT = int(os.environ.get("PANTAU_INFER_RECIPIENT", "0"))
MERGE_MODE = os.environ.get("PANTAU_MERGE", "root+place")
DATE_FALLBACK = os.environ.get("PANTAU_DATE_FALLBACK", "published")

# -- event types
MIL_TYPES = {"ASSAULT", "MOBILIZE"}
# acts a state or its people direct at a compatriot ("publik Korsel meminta Yoon mundur")
DOMESTIC_TYPES = {"ASSAULT", "COERCE", "REJECT", "ACCUSE", "REQUEST", "PROTEST", "SANCTION"}
DOMESTIC_PASSIVE = {"COERCE", "SANCTION", "ACCUSE"}
PROMISED = {"AID", "COOPERATE"}
SELF_NOT_TARGET = {"AID", "SUPPORT", "AGREE", "CONSULT", "COOPERATE", "MOBILIZE", "THREATEN", "RETREAT"}
# acts whose complement (the act requested, refused, threatened) is not yet an event
GOVERNING = {"REQUEST", "THREATEN", "REJECT", "SUPPORT", "ACCUSE"}
# speech acts addressed to someone: the target is often the party of the sentence before
SPEECH_TARGET = {"REQUEST", "ACCUSE", "THREATEN", "REJECT", "SUPPORT"}
INFER_TARGET = {"REQUEST", "ACCUSE", "THREATEN", "SUPPORT", "AGREE", "REJECT", "AID", "SANCTION"}
# material acts retold use the same predicate; talks and statements are paraphrased freely
MATERIAL = {"ASSAULT", "COERCE", "MOBILIZE", "AID", "SANCTION", "RETREAT", "PROTEST", "COOPERATE"}
MONADIC = {"MOBILIZE", "RETREAT", "PROTEST"}
SYMMETRIC = {"CONSULT", "AGREE", "COOPERATE", "ASSAULT"}

# -- actor codes and sectors
NONSTATE = {"REB", "OPP", "CVL", "PTY", "JUD", "LEG", "COP", "NGO"}
IGO_CODES = {"UNK", "NATO", "UN", "EU", "WST", "ASEAN", "AU", "IAEA", "G7", "G20", "IGO", "NGO"}
NOT_PARTY = {"UNK", "WST", "NGO"}
