// examples/cadenza-music/lib/report/musicxml.hpp: notes as MusicXML (3.1, partwise), so that a
// generated piece can be shown as sheet music (the paper's figures 15 and 16)
// by LilyPond's musicxml2ly, MuseScore and the like.
//
//   std::string xml = musicxml(notes, 480);             // 4/4, 16th-note grid
//   io::write_file_atomically("piece.musicxml", xml);    // temp file + rename
//
// What is written, and why each measure adds up:
// - Times are quantized to `divisions` per quarter note (1, 2, 4 or 8: the
//   shortest written value is then a quarter, 8th, 16th or 32nd note).
// - One voice: notes starting together form a chord (<chord/>), sounding until
//   the longest of them ends or the next onset comes, whichever is first (the
//   paper's decoded pieces overlap every note with the next; one voice of
//   chords reads far better than a stack of voices).
// - Gaps become rests; the last measure is filled with rests.
// - A duration crossing a bar line is split there and tied (<tie> and
//   <tied>); a duration that is no single written value (5 16ths) is split
//   into values that are, largest first, also tied. Rests are split the
//   same way, without ties.
// So the <duration>s of the non-chord notes of every measure sum to
// beats * 4 / beat_type quarter notes.
// - Piano pieces go on a grand staff (the default): notes from middle C
//   (MIDI 60, `split_pitch`) up on the treble staff, the rest on the bass
//   staff, each staff its own voice with its own rests (MuseScore's split of
//   an imported piano track); a <backup> of one measure separates them.
//   Each staff's measures add up on their own. With grand_staff off: one
//   staff, bass clef when the median pitch is below middle C.
// - The key signature is estimated from the pitch classes, each note weighted
//   by its length (Krumhansl-Schmuckler, cadenza/music/key.hpp), and pitches
//   are spelled in that key: flats in flat keys, sharps in sharp keys, the
//   leading tone of a minor key as a sharp.
#pragma once

#include <string>
#include <vector>

#include "cadenza/midi/midi_types.hpp"

namespace cadenza::app {

struct MusicXmlOptions {
    int divisions = 4;  // per quarter note: 1, 2, 4 or 8
    int beats = 4;      // time signature numerator
    int beat_type = 4;  // and denominator: 1, 2, 4, 8 or 16
    std::string title = "Cadenza";
    std::string part_name = "Piano";
    double tempo_bpm = 120;
    bool grand_staff = true;  // treble and bass staves, split at split_pitch
    int split_pitch = 60;     // the lowest pitch on the treble staff
    bool key_signature = true;  // estimate the key; false: C major, sharps
};

// The score as a MusicXML document. Throws cadenza::Error for options
// outside the ranges above.
std::string musicxml(const std::vector<midi::Note>& notes, int ticks_per_quarter,
                     const MusicXmlOptions& o = {});

}  // namespace cadenza::app
