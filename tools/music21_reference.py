#!/usr/bin/env python3
"""Reference tokens from music21, the way the paper's code makes them.

For each MIDI file: converter.parse (default quantization, divisors (4, 3)),
instrument.partitionByInstrument, then parts[0].recurse():
    Note  -> str(pitch)                          "E-4"
    Chord -> '.'.join(str(n) for n in normalOrder)  "4.9"
    Rest  -> "rest_" + str(quarterLength)         "rest_1.0", "rest_1/3"
(the variant with rests; drop lines starting with "rest" for the one without).
Writes one token per line to OUT/<file name without .mid>.txt. The MIDI files
are only read, never copied.

Usage:
    python3 -m pip install music21
    python3 tools/music21_reference.py [--dataset DIR] [--out DIR] [--all] [FILE ...]
Without FILE arguments (and without --all) the files in DEFAULT_FILES are used.
"""
import argparse
import os
import sys

from music21 import chord, converter, instrument, note

# Varied on purpose: one track or several, meters, triplets, voices, ties,
# and files whose tracks music21 files under different instruments.
DEFAULT_FILES = [
    "0fithos.mid", "DOS.mid", "EyesOnMePiano.mid", "Fyw_piano.mid",
    "relmstheme-piano.mid", "roseofmay-piano.mid", "electric_de_chocobo.mid",
    "z_aeristhemepiano.mid", "Finalfantasy6fanfarecomplete.mid",
    "Finalfantasy5gilgameshp.mid", "BlueStone_LastDungeon.mid", "Eternal_Harvest.mid",
    # partitionByInstrument corner cases: "Piano RH" and program 0 name two
    # instruments at offset 0, so parts[0] is empty; an instrument one beat in
    # splits the first rest and starts parts[0].
    "8.mid", "sera_.mid", "ff8-lfp.mid",
]


def quarter_length_text(ql):
    # music21 keeps dyadic lengths as floats and others as Fractions.
    return str(ql)


def tokens_of(path):
    midi = converter.parse(path)
    try:
        parts = instrument.partitionByInstrument(midi)
        elements = parts.parts[0].recurse()
    except Exception:  # no instrument parts: the flat notes, as the paper's code falls back
        elements = midi.flatten().notesAndRests
    tokens = []
    for element in elements:
        if isinstance(element, note.Note):
            tokens.append(str(element.pitch))
        elif isinstance(element, chord.Chord):
            tokens.append('.'.join(str(n) for n in element.normalOrder))
        elif isinstance(element, note.Rest):
            tokens.append('rest_' + quarter_length_text(element.duration.quarterLength))
    return tokens


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--dataset', default=os.path.join(root, '..', 'shared', 'datasets',
                                                          'final-fantasy-piano'))
    parser.add_argument('--out', default=os.path.join(root, 'tests', 'music', 'fixtures', 'music21'))
    parser.add_argument('--all', action='store_true', help='every .mid file of the dataset')
    parser.add_argument('files', nargs='*')
    args = parser.parse_args()
    files = args.files or (sorted(f for f in os.listdir(args.dataset) if f.lower().endswith('.mid'))
                           if args.all else DEFAULT_FILES)
    os.makedirs(args.out, exist_ok=True)
    for name in files:
        tokens = tokens_of(os.path.join(args.dataset, name))
        stem = os.path.splitext(os.path.basename(name))[0]
        with open(os.path.join(args.out, stem + '.txt'), 'w', encoding='utf-8') as out:
            out.write(''.join(t + '\n' for t in tokens))
        print(f'{name}: {len(tokens)} tokens', file=sys.stderr)


if __name__ == '__main__':
    main()
