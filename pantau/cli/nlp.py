"""``pantau nlp``: show how the Indonesian pipeline analyses a sentence (debugging aid)."""

from __future__ import annotations

import click

from pantau.cli import main


@main.command("nlp")
@click.argument("text", nargs=-1, required=True)
@click.option("--morph/--no-morph", default=False, help="Also show affix analysis (prefix, suffix, voice).")
def nlp_command(text: tuple[str, ...], morph: bool) -> None:
    """Print tokens, lemmas (roots), POS, heads, relations and entities of TEXT."""
    from pantau import nlp

    doc = nlp.parse(" ".join(text))
    header = f"{'#':>3}  {'token':<20} {'lemma':<16} {'pos':<6} {'head':>4}  {'dep':<12} {'ent':<6}"
    if morph:
        header += "  morph"
    for s_i, sent in enumerate(doc.sents):
        click.echo(f"-- sentence {s_i + 1}")
        click.echo(header)
        for tok in sent:
            ent = f"{tok.ent_iob_}-{tok.ent_type_}" if tok.ent_type_ else ""
            line = (f"{tok.i:>3}  {tok.text:<20} {tok.lemma_:<16} {tok.pos_ or '-':<6} {tok.head.i:>4}  "
                    f"{tok.dep_ or '-':<12} {ent:<6}")
            if morph:
                a = tok._.morph_analysis
                line += f"  {a.prefix or '-'}+{a.root}+{a.suffix or '-'}{'+' + a.clitic if a.clitic else ''}"
                line += f" voice={a.voice or '-'} nominal={a.nominal or '-'}"
            click.echo(line)
    click.echo("-- entities")
    for ent in doc.ents:
        click.echo(f"{ent.label_:<4} {ent.start_char:>5}-{ent.end_char:<5} {ent.text}")
    if not doc.ents:
        click.echo("(none)")
