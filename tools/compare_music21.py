#!/usr/bin/env python3
"""Token-for-token agreement of tokenize.hpp's paper encoding with music21.

For every .mid file of the dataset: music21's tokens, exactly as
tools/music21_reference.py makes them (converter.parse, partitionByInstrument,
parts[0].recurse(), rests included), against ours from
tests/music/paper_tokens_dump.cpp (compiled here with one g++ call unless
--dump names a built binary). Prints one line per file that differs (tokens
matched position by position / music21's count / ours, and the first
difference), then the totals: files that agree exactly, and tokens matched
over all files.

Usage:
    python3 tools/compare_music21.py [--dataset DIR] [--dump BINARY] [--cache DIR]
        [--parts first_instrument|all_tracks|first_track] [--verbose] [FILE ...]
--cache keeps music21's tokens (they take a few seconds per file) between runs.
"""
import argparse
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)


def music21_tokens(path, cache):
    stem = os.path.splitext(os.path.basename(path))[0]
    if cache:
        cached = os.path.join(cache, stem + '.txt')
        if os.path.exists(cached):
            with open(cached, encoding='utf-8') as f:
                return f.read().splitlines()
    from music21_reference import tokens_of
    tokens = tokens_of(path)
    if cache:
        os.makedirs(cache, exist_ok=True)
        with open(cached, 'w', encoding='utf-8') as f:
            f.write(''.join(t + '\n' for t in tokens))
    return tokens


def build_dump(out_dir):
    binary = os.path.join(out_dir, 'paper-tokens-dump')
    cmd = ['g++', '-std=c++17', '-O2', '-I', os.path.join(ROOT, 'include'),
           os.path.join(ROOT, 'tests', 'music', 'paper_tokens_dump.cpp'), '-o', binary]
    subprocess.run(cmd, check=True)
    return binary


def our_tokens(binary, files, parts):
    text = subprocess.run([binary, '--parts', parts] + files, check=True,
                          capture_output=True, text=True).stdout
    result, current = {}, None
    for line in text.splitlines():
        if line.startswith('== '):
            name = line[3:]
            if ' !error: ' in name:
                name = name.split(' !error: ')[0]
            current = result.setdefault(name, [])
        else:
            current.append(line)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--dataset', default=os.path.join(ROOT, '..', 'shared', 'datasets',
                                                          'final-fantasy-piano'))
    parser.add_argument('--dump', help='a built paper-tokens-dump (else compiled with g++)')
    parser.add_argument('--cache', help='directory keeping music21 tokens between runs')
    parser.add_argument('--parts', default='first_instrument')
    parser.add_argument('--verbose', action='store_true', help='a line for every file')
    parser.add_argument('files', nargs='*')
    args = parser.parse_args()
    names = args.files or sorted(f for f in os.listdir(args.dataset) if f.lower().endswith('.mid'))
    paths = [n if os.path.sep in n else os.path.join(args.dataset, n) for n in names]
    with tempfile.TemporaryDirectory() as tmp:
        binary = args.dump or build_dump(tmp)
        ours = our_tokens(binary, paths, args.parts)
    exact = matched = total = 0
    for path in paths:
        ref = music21_tokens(path, args.cache)
        mine = ours.get(path, [])
        same = sum(a == b for a, b in zip(ref, mine))
        matched += same
        total += len(ref)
        if ref == mine:
            exact += 1
        if ref != mine or args.verbose:
            first = next((i for i, (a, b) in enumerate(zip(ref, mine)) if a != b), min(len(ref), len(mine)))
            detail = '' if ref == mine else (f'  first difference at {first}: music21 {ref[first:first + 3]}'
                                             f' ours {mine[first:first + 3]}')
            print(f'{os.path.basename(path)}: {same}/{len(ref)} (ours {len(mine)}){detail}')
    print(f'files exact: {exact}/{len(paths)}; tokens matched: {matched}/{total}'
          f' ({100.0 * matched / max(total, 1):.2f}%)')


if __name__ == '__main__':
    main()
