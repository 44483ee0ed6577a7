// examples/cadenza-music/lib/report/metrics.hpp: objective comparison of generated and training
// music, after Yang & Lerch 2018 ("On the evaluation of generative models in
// music", Neural Computing and Applications), plus two failure detectors:
// copying the training data and repeating one token forever.
//
//   PieceFeatures f = piece_features(notes, 480);        // one piece
//   auto cmp = compare_sets(training_features, generated_features);
//   CopiedPassage c = longest_copied_passage(generated_ids, training_songs);
//   RepeatedRun r = longest_repeated_run(generated_ids);
//
// Per-piece features (Yang & Lerch's absolute measures):
//   pitch_count       PC: number of distinct MIDI pitches used
//   pitch_class_hist  PCH: 12 bins, share of notes per pitch class (sums to 1)
//   pitch_range       PR: highest - lowest pitch, in semitones
//   pitch_interval    PI: mean |p[i+1] - p[i]| over notes in (onset, pitch) order
//   inter_onset       IOI: mean time between successive distinct onsets, quarter notes
//   note_length_hist  NLH: 12 bins (kNoteLengthNames), share of notes per length class
//
// Set-level comparison (how Cadenza does it; Yang & Lerch compare pairwise
// distance distributions instead, which needs more pieces than a report has):
// - a scalar feature (PC, PR, PI, IOI): each set's per-piece values are smoothed
//   by a Gaussian kernel density estimate (Silverman's bandwidth
//   h = 1.06 * sigma * n^(-1/5), at least kMinBandwidth), both evaluated on one
//   grid of 512 points; overlapped area OA = integral of min(p, q) dx (1: the
//   same distribution, 0: disjoint) and KL(train || generated) =
//   integral of p * ln(p / q) dx with q floored at 1e-12 (0: the same).
// - a histogram feature (PCH, NLH): the notes of all pieces of a set are pooled
//   into one histogram; OA = sum_i min(p_i, q_i) and KL = sum_i p_i ln(p_i / q_i)
//   with q_i floored at 1e-6 so an unused bin gives a large but finite value.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include "cadenza/midi/midi_types.hpp"

namespace cadenza::app {

// Yang & Lerch's 12 note-length classes, in quarter notes: full, half, quarter,
// 8th, 16th, their dotted forms, and the half, quarter and 8th triplets.
inline const std::array<const char*, 12> kNoteLengthNames = {
    "whole",       "half",         "quarter",         "8th",
    "16th",        "dotted half",  "dotted quarter",  "dotted 8th",
    "dotted 16th", "half triplet", "quarter triplet", "8th triplet"};
inline const std::array<double, 12> kNoteLengthQuarters = {
    4.0, 2.0, 1.0, 0.5, 0.25, 3.0, 1.5, 0.75, 0.375, 4.0 / 3, 2.0 / 3, 1.0 / 3};

// The class whose length is nearest on a log scale (a 10% error is as bad
// for a whole note as for a 16th); lengths of 0 count as 16ths.
int note_length_class(double quarters);

struct PieceFeatures {
    int notes = 0;
    double pitch_count = 0;
    std::array<double, 12> pitch_class_hist{};
    double pitch_range = 0;
    double pitch_interval = 0;
    double inter_onset = 0;
    std::array<double, 12> note_length_hist{};
};

PieceFeatures piece_features(std::vector<midi::Note> notes, int ticks_per_quarter);

struct Agreement {
    std::string feature;  // "pitch count", ...
    double training_mean =
        0;  // mean over pieces (histograms: the bin with the most weight, as an index)
    double generated_mean = 0;
    double overlapped_area = 0;  // 0..1, 1 = the same distribution
    double kl_divergence = 0;    // KL(training || generated), nats, 0 = the same
};

// Smallest kernel bandwidth of compare_scalar.
constexpr double kMinBandwidth = 0.05;

// OA and KL of two scalar samples through their kernel density estimates.
Agreement compare_scalar(const std::string& name, const std::vector<double>& training,
                         const std::vector<double>& generated);
// OA and KL of two histograms (normalized here).
Agreement compare_histograms(const std::string& name, std::vector<double> p, std::vector<double> q);

// The six features, training set against generated set. Histograms are
// pooled note-weighted (each piece's shares times its note count).
std::vector<Agreement> compare_sets(const std::vector<PieceFeatures>& training,
                                    const std::vector<PieceFeatures>& generated);

// The longest stretch of a generated token stream found verbatim in one
// training song. A suffix automaton of the (short) generated piece is built
// once, then every training song streams through it: O(|piece| + total
// training tokens) time, O(|piece|) memory, whatever the corpus size.
struct CopiedPassage {
    size_t length = 0;        // tokens; 0 when nothing matches
    size_t piece_offset = 0;  // where it starts in the generated piece
    size_t song = 0;          // index of the training song
    size_t song_offset = 0;   // where it starts there
};

CopiedPassage longest_copied_passage(const std::vector<int>& piece,
                                     const std::vector<std::vector<int>>& training_songs);

// The longest run of one token repeated back to back: the classic failure of
// these models is one note forever.
struct RepeatedRun {
    size_t length = 0;
    int token = -1;
    size_t offset = 0;
};

RepeatedRun longest_repeated_run(const std::vector<int>& tokens);

}  // namespace cadenza::app
