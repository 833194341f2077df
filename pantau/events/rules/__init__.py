"""Rule-based PLOVER event coder for Indonesian news.

Pipeline per sentence: lexicon triggers (lexicon.py) -> roles from the clause
(subject/object/oblique positions around the trigger, voice from the affix,
"oleh" agents, "terhadap/kepada/ke" recipients, "dengan/antara" partners,
nominal genitives, relative-clause heads, "X dan Y saling ...") -> factuality cues
(negation, condition, fear, purpose "guna/demi", generic "segala bentuk") ->
modifiers (mode/context) -> date and place of the sentence. Then mentions of the
same event are merged per article.

Roles come from positions over resolved actor mentions, with the spaCy dependency
parse (``dependency.dep_args``: nsubj, nsubj:pass, obl+oleh, obj, obl+kepada/terhadap/ke,
conj) as a second source of evidence; anaphoric noun phrases ("aliansi", "kedua negara",
"negara tersebut") become mentions of their antecedents (``anaphora.anaphors``). The trace in
``Event.pattern`` says which rule fired.

Modules, in the order an article passes through them:
- ``article``: the driver ``code_article`` (mentions, units, per-unit coding, merging);
- ``units``: coding units (sentences with glued-in headlines cut out, datelines dropped);
- ``anaphora``: anaphoric noun phrases resolved to earlier mentions;
- ``triggers``: all triggers of one unit (complements of governing acts, twins, "saling");
- ``sentence``: ``SentenceCoder``, one trigger -> one candidate, roles by voice;
- ``clause``, ``dependency``, ``factuality``: argument positions, parse roles, factuality cues;
- ``context``: the article's main country and other side, recipients completed from them;
- ``dating``: the date and quote of a candidate, fallback dates of events;
- ``merge``: the dyadic filter and one record per real event;
- ``mentions``, ``words``, ``settings``: data types, word lists, switches and type groups.

Choices measured on the dev gold (``scripts/eval_events.py``) and checked by reading what
they fire on in 150 other international corpus articles, overridable for experiments:
- ``PANTAU_DEP`` = 0 (positions only) | 1 (parse fills roles positions miss) | 2 (default: also
  prefers the parse subject over one found across a clause boundary). Dev F1 0.611 -> 0.631 with 1;
  2 equal on dev and better on the corpus sample (3 of 3 changed events right).
- ``PANTAU_ANAPHORA`` = 1 (default) | 0: anaphoric NPs as mentions (dev +2 TP, 6 of 7 corpus hits right).
- ``PANTAU_DATE_FALLBACK`` = none | paragraph | article | published (default): an event whose clause
  names no time inherits the last date of its paragraph, else the day the article names most
  often, else the day of publication (marked in ``pattern``). Dev date accuracy when the lead's first
  day stood where the most-named day now stands: none 0.26, paragraph 0.58, lead 0.68, published 0.75;
  this coder's dev date accuracy: lead's first day 0.853, most-named day 0.882.
- ``PANTAU_MERGE`` = none | place | root | root+place (default): when mentions without a shared
  explicit date are merged into one event (a different sub-national place keeps them apart, and so
  does a different predicate: for material acts anywhere, for statements and talks when told in
  another sentence; the learned coder's CV event F1 0.518 -> 0.529 with the latter).
- ``PANTAU_INFER_RECIPIENT`` = 0 (default) | 1 | 2: guess a missing target of a speech act from the
  previous sentence: 1 only when that sentence names exactly one other party (dev +3 TP +3 FP,
  seeds +2 FP, about half right on the corpus sample), 2 the nearest other party (dev +3 TP +13 FP).
  ``PANTAU_DEBUG_ALL=1`` keeps target-less dyadic events.
"""

from pantau.events.rules.article import Reading, code_article, code_units, read

__all__ = ["Reading", "code_article", "code_units", "read"]
