// cadenza/music/midi_reader.hpp: moved to cadenza/midi/midi_reader.hpp (version 0.2.0), where the
// MIDI module (cadenza::midi) now lives on its own. This forwarding header
// stays for one release.
#pragma once
#warning "cadenza/music/midi_reader.hpp is deprecated: include cadenza/midi/midi_reader.hpp"
#include "cadenza/midi/midi_reader.hpp"
