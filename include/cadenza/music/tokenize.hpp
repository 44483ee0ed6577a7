// cadenza/music/tokenize.hpp: the paper's note/chord/rest tokens, made from a
// MidiFile the way music21 makes them, and decoded back into notes. This
// header gathers the steps, one header each:
//
//   quantize.hpp       music21's (4, 3) time grid, in units of 1/48 quarter
//   instruments.hpp    music21's Instrument objects and partitionByInstrument
//   score.hpp          a file as music21's stream sees it (chords, quantization)
//   measures.hpp       barlines, ties, voices and rests per measure
//   paper_tokens.hpp   the tokens: "E-4", "4.9", "rest_1/3"
//   paper_decode.hpp   tokens back to notes, as the paper's generation does
//
//   ScoreOptions options;                                  // include_rests, parts
//   auto elements = score_elements(midi_file, options);    // music21's view
//   auto tokens   = paper_tokens(midi_file, options);       // "E-4", "4.9", "rest_1/3"
//   auto merged   = piano_merge_tokens(midi_file);          // one stream, wider chords
//   auto notes    = decode_paper_tokens(tokens, 480);       // 0.5-quarter steps
#pragma once

#include "cadenza/music/paper_decode.hpp"
#include "cadenza/music/paper_tokens.hpp"
#include "cadenza/music/score.hpp"
