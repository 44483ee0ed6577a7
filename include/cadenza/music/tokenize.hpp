// cadenza/music/tokenize.hpp: the paper's note/chord/rest tokens, made from a
// MidiFile the way music21 makes them, and decoded back into notes.
//
//   ScoreOptions options;                      // include_rests, merge_tracks
//   auto elements = score_elements(midi_file, options);   // music21's view
//   auto tokens   = paper_tokens(midi_file, options);      // "E-4", "4.9", "rest_1/3"
//   auto merged   = piano_merge_tokens(midi_file);         // one stream, wider chords
//   auto notes    = decode_paper_tokens(tokens, 480);      // 0.5-quarter steps
//
// The paper's Python (music21) does, per file:
//   midi  = converter.parse(file)                 # quantized, one part per track
//   parts = instrument.partitionByInstrument(midi)
//   for element in parts.parts[0].recurse():      # notes, chords (and rests)
//       Note  -> str(element.pitch)                # "E-4"
//       Chord -> '.'.join(str(n) for n in element.normalOrder)
//       Rest  -> "rest_" + str(element.quarterLength)   (the variant with rests)
// score_elements reproduces what that loop sees, step by step as music21 10:
//  1. A part per track that has notes. Within a track, notes (any channel) are
//     taken in onset order; a note gathers into its chord every later note
//     that starts less than ticks_per_quarter/4 after it and ends no more than
//     that apart from it; one that starts together but ends elsewhere stays
//     separate and makes the track "need voices". A chord's duration is that
//     of its last gathered note (music21's own choice). Zero-length notes are
//     grace notes. Anything involving channel 9 (drums) becomes percussion:
//     it takes time but gives no token.
//  2. Quantization to the (4, 3) grid: offsets and durations snap to the
//     nearest multiple of 1/4 or 1/3 quarter (ties to the lower multiple, then
//     the 1/4 grid); a sounding duration never snaps to 0; a duration prefers
//     the grid that exactly reaches the next later element (music21's gap
//     look-ahead). Tempo, time and key signatures of the track count as
//     elements for that look-ahead.
//  3. Measures from the time signatures of the conductor (tracks without
//     notes) and of the track itself (4/4 when none); notes crossing a barline
//     are split there (a tied continuation is one more token).
//  4. Rests fill each measure where nothing of that track sounds, split at
//     tempo/key/time-signature points that fall inside a gap. In a track that
//     needs voices, a measure with overlapping notes is split into voices
//     (first fit) and every voice gets its own rests.
//  5. partitionByInstrument, parts[0] (ScoreOptions::parts, default
//     first_instrument): program changes and track/instrument names become
//     instruments; each lasts until the next of its track; parts[0] takes what
//     starts inside the spans of the first instrument name met (track order).
//     Merged in order of offset, grace notes first, then track, then the
//     order inside the track. all_tracks merges every track instead.
// Differences from music21 that remain (docs/music-encoding.md): notes with
// the same pitch that overlap pair with the reader's first-in-first-out rule
// instead of music21's nearest-following note-off; some measures with voices
// get other rests.
//
// Times inside use whole units of 1/48 quarter note, which hold every point of
// the (4, 3) grid and every barline down to 1/16-note denominators.
#pragma once

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "midi_types.hpp"
#include "pitch_names.hpp"

namespace cadenza::music {

constexpr int64_t kUnitsPerQuarter = 48;
constexpr int kDrumChannel = 9;

// A duration or offset in units as a quarter-length string the way Python
// prints music21's values: a float when the value is dyadic ("1.0", "0.25",
// "2.75"), otherwise a reduced fraction ("1/3", "13/12").
inline std::string quarter_length_string(int64_t units) {
    int64_t num = units, den = kUnitsPerQuarter;
    const int64_t g = std::gcd(num < 0 ? -num : num, den);
    num /= g;
    den /= g;
    if ((den & (den - 1)) == 0) {
        // dyadic: exact short decimal, with at least one digit after the point
        std::string whole = std::to_string(num / den);
        if (num < 0 && num / den == 0) whole = "-0";
        int64_t rem = (num < 0 ? -num : num) % den;
        std::string frac;
        if (rem == 0) frac = "0";
        while (rem != 0) {
            rem *= 10;
            frac += char('0' + rem / den);
            rem %= den;
        }
        return whole + "." + frac;
    }
    return std::to_string(num) + "/" + std::to_string(den);
}

// What music21's stream holds after import: a note, a chord, a rest, or
// something on the drum channel (percussion: no token).
struct ScoreElement {
    enum class Kind { note, chord, rest, percussion };
    Kind kind = Kind::note;
    std::vector<int> pitches;   // MIDI keys, in gathering order (empty for rests)
    int64_t offset = 0;         // units of 1/48 quarter from the start
    int64_t duration = 0;       // units; 0 for a grace note
    int track = 0;
    bool tie_continuation = false;  // piece after a barline of a split note
    bool grace() const { return duration == 0 && kind != Kind::rest; }
};

// Which tracks the tokens come from.
enum class PartSelection {
    first_instrument,  // the paper: music21's partitionByInstrument, then parts[0]
    all_tracks,        // every track with notes merged into one stream
    first_track,       // only the first track with notes
};

struct ScoreOptions {
    bool include_rests = false;   // the paper's variant with rest tokens
    bool merge_tracks = true;     // false: the older spelling of parts = first_track
    std::vector<int> quarter_length_divisors = {4, 3};  // music21's default grid
    PartSelection parts = PartSelection::first_instrument;
};

namespace detail {

// Python's round(x, 7) for the small errors compared here.
inline double round7(double x) { return std::round(x * 1e7) / 1e7; }

struct GridMatch {
    double remaining_gap, error, tick, match;
};

// music21's Stream.quantize bestMatch: nearest multiple per divisor (ties to
// the lower multiple), never 0 when zero is not allowed, then the smallest
// (remaining gap, error, tick).
inline double best_match(double target, const std::vector<int>& divisors, bool zero_allowed,
                         double gap_to_fill = 0.0) {
    bool have = false;
    GridMatch best{0, 0, 0, 0};
    for (int div : divisors) {
        const double tick = 1.0 / div;
        const double mult = std::floor(target / tick);
        const double low = tick * mult, high = tick * (mult + 1);
        double match, error;
        if (low <= target && target <= low + tick / 2.0) {
            match = low;
            error = round7(target - low);
        } else {
            match = high;
            error = round7(high - target);
        }
        if (!zero_allowed && match == 0.0) {
            match = tick;
            error = std::fabs(round7(target - match));
        }
        const double remaining = std::fmod(gap_to_fill, tick) == 0.0
                                     ? 0.0 : std::max(gap_to_fill - match, 0.0);
        GridMatch m{remaining, error, tick, match};
        auto key = [](const GridMatch& g) { return std::make_tuple(g.remaining_gap, g.error, g.tick, g.match); };
        if (!have || key(m) < key(best)) best = m;
        have = true;
    }
    return best.match;
}

inline int64_t to_units(double quarters) { return std::llround(quarters * double(kUnitsPerQuarter)); }

// The lookup keys of music21's instrument.fromString (languageExcerpts,
// all languages, music21 10.5), less those holding punctuation (they can never
// match: fromString strips punctuation from the name first). Sorted bytewise.
inline const std::vector<std::string>& music21_instrument_keys() {
    static const std::vector<std::string> keys = {
    "a becco", "a sax", "ac b", "ac gtr", "acc", "accdn", "accordeon", "accordion", "accordéon", "acordeon",
    "acordeón", "acoustic bass", "acoustic guitar", "aeolophon", "agogo", "akkordeon", "akustikgitarre",
    "alt", "altgeige", "alto", "alto saxophone", "altos", "altsaxophon", "angliiskii rozhok", "archi", "arfa",
    "armonica", "armonica a bocca", "armonica de boca", "armónica de boca", "arp", "arpa", "arpas", "arpe",
    "arpicordo", "atabal", "b cl", "b dr", "bag", "bagpipe", "bagpipes", "bajo", "bajo acustico",
    "bajo acústico", "bajo electrico", "bajo eléctrico", "banjo", "bar", "bar sax", "bariton", "baritone",
    "baritone saxophone", "baritono", "baritonsaxophon", "baryton", "barítono", "bas", "bass",
    "bass clarinet", "bass drum", "bass posaune", "bass trombone", "basse", "basse acoustique",
    "basse electrique", "basse fretless", "basse électrique", "bassklarinette", "basso", "basso elettrico",
    "basson", "bassons", "bassoon", "bassoons", "bassposaune", "batería", "batteria", "batterie", "bcl",
    "becken", "becken freihangend", "becken freihängend", "becken gewonlich", "becken gewönlich", "beckflote",
    "beckflöte", "bell lira", "bell lyre", "bgo dr", "bj", "bjo", "bkl", "blasinstrument",
    "blechblasinstrument", "bloc de bois", "blocchi di carta vetrata", "blocco di legno",
    "blocco di legno cinese", "blockflote", "blockflöte", "blocs de papier de verre", "blokfleita",
    "bloques de madera", "bloques de papel de lija", "bn", "bombo", "bonghi", "bongo drums", "bongo tambores",
    "bongos", "br", "brass instrument", "bratsche", "bratschen", "bs", "bs cl", "bsn", "bssn",
    "bullseye gong", "c bsn", "c c", "caisse claire", "caisse roulante", "caja china", "caja clara",
    "caja redoblante", "caja rodante", "campanacci", "campanas", "campanas de mano", "campanas tubulares",
    "campane", "campane tubolari", "campane tubulari", "campanelli", "campanelli a mano",
    "campanelli da mucca", "campanelli di vacca", "campanologo", "campanos", "campanólogo", "cana de organos",
    "canto", "carraca", "carta vetrata", "cas", "cascabels", "cassa", "cassa chiara", "cassa rullante",
    "cassetina", "castagnette", "castagnettes", "castanets", "castanuelas", "castañuelas", "casts",
    "caña de órganos", "cb", "cbsn", "cel", "celesta", "celeste", "cello", "cellos", "cembalo", "cencerros",
    "ceppi di carta vetro", "cestello in acciaio", "cga dr", "ch", "chant", "chanteur", "chanteuse",
    "charles", "charleston", "chau gong", "chelesta", "chelo", "chelos", "chembalo", "chimes", "chinchines",
    "chisporroteo de platillos", "chitarra", "chitarra acustica", "chitarra elettrica", "choir",
    "church bells", "cimbales", "cimbalini", "cimbalo", "cinelli", "cl", "claquebois", "clarinet",
    "clarinete", "clarinete bajo", "clarinetes", "clarinets", "clarinette", "clarinette basse", "clarinettes",
    "clarinetti", "clarinetti bassi", "clarinetto", "clarinetto basso", "clarino", "clave", "clavecembalo",
    "clavecin", "clavecémbalo", "clavecín", "clavessin", "claveçin", "clavicembalo", "clavichord",
    "clavicimbalo", "clavicimbel", "clavicorde", "clavicordio", "clavicordo", "clavicémbalo", "clavicímbalo",
    "cloches", "cloches a vache", "cloches de vache", "cloches tubolaires", "cloches tubulaires",
    "cloches à vache", "clochettes", "clochettes a main", "clochettes à main", "clochettes à mains", "clst",
    "clv", "clvd", "con tensores", "conductor", "conga", "conga drum", "congas", "contrabajo", "contrabajos",
    "contrabass", "contrabasses", "contrabassi", "contrabasso", "contrabassoon", "contrabassoons",
    "contrabbasso", "contrafagot", "contrafagotti", "contrafagotto", "contralto", "contrebasse",
    "contrebasses", "contrebasson", "contrebassons", "cor", "cor ang", "cor anglais", "cor français",
    "cordes", "cornamuse", "corne", "cornemuse", "corneta inglesa", "corni", "corno", "corno frances",
    "corno francese", "corno francés", "corno ingles", "corno inglese", "corno inglés", "cornos francese",
    "cors", "cowbells", "cr tr", "crash", "crash cymbals", "crashbecken", "crecelle", "cricchetto",
    "crotalos", "crécelle", "crótalos", "cuerdas", "cuerno", "cuerno ingles", "cuerno inglés", "cuivres",
    "cwb", "cym", "cymbale sur tiges", "cymbale suspendue", "cymbale à pédale", "cymbales",
    "cymbales digitales", "cymbals", "célesta", "cémbalo", "címbalos", "de pico", "de pistones", "de timbres",
    "dita piatti", "double bass", "double basses", "dreieck", "dritto", "droite", "dudelsack", "dulce",
    "dulcema", "dulcimer", "e gtr", "e h", "e hn", "echelettes", "el tenor del tambor",
    "el viento de la maquina", "el viento de la máquina", "elec b", "elec gtr", "elec org", "electric bass",
    "electric guitar", "electric organ", "electric piano", "elektrische gitarre", "elektrische orgel",
    "eng hn", "englischhorn", "english horn", "english horns", "eolifono", "eoliphone", "fag", "fagot",
    "fagott", "fagotte", "fagotten", "fagotti", "fagotto", "fg", "fing cym", "finger cymbals",
    "fingerzimbeln", "fisarmonica", "fischio", "fl", "flauta", "flauta de boehm", "flauta de concierto",
    "flauta de pan", "flauta de pico", "flauta dulce", "flauta piccolo", "flauta recta", "flauta traversa",
    "flauta travesera", "flautas", "flautas de pan", "flauti", "flautin", "flauto", "flauto a becco",
    "flauto di pan", "flauto diritto", "flauto dolce", "flauto dritto", "flauto piccolo", "flauto traverso",
    "flautín", "fleita", "fleita pikkolo", "flote", "flute", "flute a bec", "flute de pan", "flute douce",
    "flute droite", "flute piccolo", "flute traversiere", "flutes", "flöte", "flöten", "flûte",
    "flûte de pan", "flûte douce", "flûte droite", "flûte piccolo", "flûte traversière", "flûte à bec",
    "flûtes", "fouet", "frantsuzskii baraban", "french horn", "french horns", "fretless", "fretless bass",
    "frusta", "fussbecken", "g c", "gaita", "geige", "gencerros", "gigelira", "gitarre", "glck", "glock",
    "glocken", "glockenspiel", "glsp", "gng", "goboi", "golos", "gong", "gorn", "gr cassa", "grabadora",
    "gran caja", "gran cassa", "grancassa", "grande flute", "grande flûte", "gravicembalo", "gravicémbalo",
    "grelots", "gresillement cymbale", "grosse caisse", "grosse trommel", "grésillement cymbale", "gsp",
    "guitar", "guitare", "guitare acoustique", "guitare electrique", "guitare électrique", "guitarra",
    "guitarra acustica", "guitarra acústica", "guitarra electrica", "guitarra eléctrica", "guitarre",
    "guitarre electrique", "guitarre électrique", "hackbrett", "handbells", "handglocken", "handharmonika",
    "hangebecken", "hangendes becken", "harfe", "harfen", "harmonica", "harmonica de bois", "harmonium",
    "harmónica", "harp", "harpe", "harpes", "harps", "harpsichord", "hautbois", "hb", "herdenglocken",
    "hi hat", "hirtenflote", "hirtenflöte", "hmca", "hn", "hoboe", "holzblasinstrument", "holzblock",
    "holzklapper", "holzschnitt", "horn", "horns", "hp", "hpd", "hpe", "hpschd", "hrp", "hängebecken",
    "hängendes becken", "hörner", "instrument à cordes", "instrument à percussion", "instrument à vent",
    "instrument à vent de cuivres", "instrument à vent en bois", "instrumento de cuerda",
    "instrumento de madera", "instrumento de percusión", "instrumento de viento", "jeu de clochettes",
    "jeu de timbres", "jingle bells", "juego", "juego de timbres", "k dr", "kal", "kalimba", "kas",
    "kastagnetten", "kesselpauke", "kesseltrommel", "kettle drums", "keyboard instrument", "kielflugel",
    "kielflügel", "kl", "klarinette", "klarinetten", "klarnet", "klavesin", "klavichord", "klavier",
    "klavikord", "kleine flote", "kleine flöte", "kleine trommel", "knarre", "kontrabass", "kontrabässe",
    "kontrafagott", "kontrafagotte", "koto", "ksilofon", "kuhglocken", "latigo", "laute", "laúd", "legni",
    "leinentrommel", "liro", "litavra", "liuto", "lute", "luth", "lyra", "látigo", "macchina del vento",
    "machina a venti", "machine a vent", "machine à vent", "malaia fleita", "mand", "mandolin", "mandolina",
    "mandoline", "mandolino", "maquina de viento", "mar", "maracas", "marimba", "marimbaphon", "marine",
    "marschtrommel", "matraca", "mdln", "metallofono", "mez", "mezz", "mezzosopran", "mezzosoprano",
    "mouth organ", "mundharmonika", "mz", "máquina de viento", "nacchere", "nietenbecken", "ob", "oboe",
    "oboen", "oboes", "oboi", "oc", "ocarina", "octave flute", "octavflote", "octavflöte", "octavillo",
    "okarina", "orchestra bells", "organ", "organi", "organo", "organo a canne", "organo de",
    "organo de campanas", "organo de tubos", "organo electrico", "organo elettrico", "orgel", "orgue",
    "orgue a tuyaux", "orgue electrique", "orgue à tuyaux", "orgue électrique", "ottavino", "p fl", "p org",
    "pailas criollas", "pan", "pan flute", "pan pipe", "pandereta", "panflote", "panflute", "panflöte",
    "panpipes", "papagenopfeife", "papel de lija", "papier de verre", "pauke", "pauken", "peitsche",
    "percusión", "percussion", "percussion instrument", "percussione", "perkussionsinstrument",
    "petite flute", "petite flûte", "pf", "pfeifen", "pfeifenorgel", "pferdeschlittenglocken", "pfte",
    "piano", "pianoforte", "piatti", "piatti a pedale", "piatti di crash", "piatto chiodati",
    "piatto sospeso", "pic", "picc", "piccolo", "pickelflote", "pickelflöte", "pikkolo", "pikkoloflote",
    "pikkoloflöte", "pipe organ", "pitched percussion", "pk", "platillo sizzle", "platillo suspendido",
    "platillos", "platillos crash", "platillos de choque", "platillos suspendidos", "platos", "pno",
    "posaune", "posaunen", "querflote", "querflöte", "raganella", "ratchet", "ratsche", "rattle", "rec",
    "recorder", "redoblante", "reed organ", "registratore", "ride cymbals", "rochet", "rog", "rohrenglocke",
    "rohrenglocken", "rollschellen", "roseau organe", "rozhok", "ruhrtrommel", "rullante", "röhrenglocke",
    "röhrenglocken", "rührtrommel", "s", "s sax", "sagates", "sagattes", "saiteninstrument", "saksofon",
    "salterio", "sampler", "sand bl", "sandblocke", "sandblöcke", "sandpaper blocks", "sandpapier",
    "sandpapier blocke", "sandpapier blöcke", "sassofoni", "sassofono", "sassofono alto",
    "sassofono baritono", "sassofono contralto", "sassofono soprano", "sassofono tenore", "sax", "sax a",
    "saxo soprano", "saxo tenor", "saxofon", "saxofon alto", "saxofon del baritono", "saxofono",
    "saxofono alto", "saxofono baritono", "saxofono contralto", "saxofono soprano", "saxofono tenor",
    "saxofono tenore", "saxofón", "saxofón alto", "saxofón del barítono", "saxofóno", "saxofóno alto",
    "saxofóno barítono", "saxofóno soprano", "saxofóno tenor", "saxofóns", "saxophon", "saxophon alto",
    "saxophone", "saxophone alto", "saxophone baryton", "saxophone soprano", "saxophone tenor",
    "saxophone ténor", "saxophones", "saxophons", "saxófono", "schellen", "schellentrommel",
    "schlaginstrument", "schlagzeug", "schnabelflote", "schnabelflöte", "schnarre", "schnarrtrommel",
    "sfrigolio piatto", "shakuhachi", "shamisen", "shehnai", "shk fl", "shn", "siffler", "silbar", "silofono",
    "singstimme", "siren", "sirena", "sirena a mano", "sirene", "siringa", "sirène", "sit", "sitar",
    "sizzle cymbal", "skripka", "slapstick", "sleigh bells", "sn dr", "snare drum", "sock cymbal", "sonagli",
    "sonagliera", "sonnailles", "sopran", "soprano", "soprano saxophone", "sopranos", "sopransaxophon",
    "splash cymbals", "st dr", "stahltrommel", "steel drum", "steel drums", "steel pan", "steel pans",
    "steeldrum", "stimme", "streicher", "string instrument", "strings", "strohfiedel", "stromento a fiato",
    "stromento a percossa", "stromento a percussione", "stromento archi", "stromgitarre", "strumento a fiato",
    "strumento a percossa", "strumento a percussione", "strumento archi", "ständerbecken", "suspended cymbal",
    "syrinx", "t", "t sax", "taiko", "taille", "tamb", "tambor afinable", "tambor de acero", "tambor de mano",
    "tambor mayor", "tambor metalico de trinidad y tobago", "tambor metálico de trinidad y tobago",
    "tambor militar pequeno", "tambor militar pequeño", "tamborone", "tambour", "tambour bata",
    "tambour congo", "tambour de basque", "tambour en acier", "tambourin", "tambourine", "tambours bongo",
    "tamburello", "tamburi bongo", "tamburin", "tamburino", "tamburo basco", "tamburo grande",
    "tamburo grosso", "tamburo militare", "tamburo rullante", "tamtam", "tb", "tba", "tbe", "tbni", "temp bl",
    "tempio di blocco", "temple bloc", "temple block", "templo de bloque", "ten dr", "tenor", "tenor drum",
    "tenor saxophone", "tenor tambour", "tenore", "tenorsaxophon", "tenortrommel", "tim", "timbal", "timbale",
    "timbales", "timbales creoles", "timbales créoles", "timbales cubaines", "timbales latines",
    "timbales latinoamericani", "timballi", "timballo", "timbals", "timp", "timpanetti", "timpani", "timpano",
    "timpanos", "tmbn", "tom", "tom tom", "tomtom", "tpt", "tr", "transverse flute", "trb", "trgl", "tri",
    "triangel", "triangle", "triangolo", "triangulo", "trinquete", "triángulo", "tromba", "trombe", "trombon",
    "trombone", "trombone basse", "trombone basso", "trombones", "tromboni", "trombons", "trombón",
    "trombón bajo", "trompa", "trompas", "trompeta", "trompetas", "trompete", "trompeten", "trompette",
    "trompettes", "truba", "trumpet", "trumpets", "tsilindricheskii baraban", "tsimbaly", "tuba", "tubas",
    "tubular bells", "tumba", "tumbadora", "turkisches hangebecken", "turkish drum", "tympani", "tympanon",
    "ténor", "ténor tambour", "tímpanos", "türkisches hängebecken", "uke", "ukelele", "ukulele", "ukulélé",
    "unpitched percussion", "v", "va", "vc", "vcelle", "vcl", "ventilhorn", "vib", "vibes", "vibr",
    "vibrafono", "vibraharp", "vibraphon", "vibraphone", "vibraslap", "vibráfon", "vibráfono", "viehschellen",
    "vio", "viola", "violas", "viole", "violin", "violine", "violinen", "violines", "violini", "violino",
    "violins", "violon", "violoncell", "violoncelle", "violoncelles", "violoncelli", "violoncello",
    "violoncellos", "violoncelo", "violoncelos", "violonchelo", "violonchelos", "violons", "violín", "vl",
    "vla", "vlc", "vln", "vlon", "vn", "vni", "voc", "voca", "voce", "voice", "voix", "voz", "wd bl", "whip",
    "whistle", "whs", "wind instrument", "wind machine", "windmachine", "windmaschine", "wirbeltrommel",
    "woodblock", "woodwind instrument", "xil", "xilifono", "xilofon", "xilofono", "xilofón", "xilofóno",
    "xilografia", "xilófono", "xyl", "xylophon", "xylophone", "zamponas", "zampoñas", "ziehharmonika", "zill",
    "zills", "zils", "échelettes", "éoliphone", "órgano de", "órgano de campanas", "órgano de tubos",
    "órgano eléctrico",
    };
    return keys;
}

// Python's str.isspace for ASCII.
inline bool python_space(unsigned char c) { return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F); }

inline bool valid_utf8(const std::string& s) {
    size_t i = 0;
    while (i < s.size()) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        size_t extra;
        uint32_t cp;
        if (c < 0x80) { ++i; continue; }
        if (c >= 0xC2 && c <= 0xDF) { extra = 1; cp = c & 0x1F; }
        else if (c >= 0xE0 && c <= 0xEF) { extra = 2; cp = c & 0x0F; }
        else if (c >= 0xF0 && c <= 0xF4) { extra = 3; cp = c & 0x07; }
        else return false;
        if (i + extra >= s.size()) return false;
        for (size_t k = 1; k <= extra; ++k) {
            const unsigned char d = static_cast<unsigned char>(s[i + k]);
            if ((d & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (d & 0x3F);
        }
        if ((extra == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
            return false;
        i += extra + 1;
    }
    return true;
}

// Does music21's instrument.fromString find an instrument in this name? It
// lowers the name, turns '.' into spaces, drops ASCII punctuation, and looks
// every run of consecutive words up in its tables. (Lowering here is ASCII
// only: a capital non-ASCII letter does not match its lower-case key.)
inline bool music21_names_instrument(const std::string& name) {
    std::string clean;
    for (char ch : name) {
        const unsigned char c = static_cast<unsigned char>(ch);
        if (c == '.') clean += ' ';
        else if (c < 0x80 && std::ispunct(c)) continue;
        else clean += char(c < 0x80 ? std::tolower(c) : c);
    }
    std::vector<std::string> words;
    std::string word;
    for (char ch : clean) {
        if (python_space(static_cast<unsigned char>(ch))) {
            if (!word.empty()) words.push_back(word);
            word.clear();
        } else {
            word += ch;
        }
    }
    if (!word.empty()) words.push_back(word);
    const auto& keys = music21_instrument_keys();
    for (size_t size = 1; size <= words.size(); ++size)
        for (size_t i = 0; i + size <= words.size(); ++i) {
            std::string phrase = words[i];
            for (size_t k = i + 1; k < i + size; ++k) phrase += " " + words[k];
            if (std::binary_search(keys.begin(), keys.end(), phrase)) return true;
        }
    return false;
}

// instrument.instrumentFromMidiProgram(p).instrumentName, music21 10.5.
inline const char* music21_program_name(int program) {
    static const char* const names[128] = {
        "Piano", "Piano", "Electric Piano", "Piano", "Electric Piano", "Electric Piano", "Harpsichord",
        "Clavichord", "Celesta", "Glockenspiel", "Glockenspiel", "Vibraphone", "Marimba", "Xylophone",
        "Tubular Bells", "Dulcimer", "Electric Organ", "Electric Organ", "Electric Organ", "Pipe Organ",
        "Reed Organ", "Accordion", "Harmonica", "Accordion", "Acoustic Guitar", "Acoustic Guitar",
        "Electric Guitar", "Electric Guitar", "Electric Guitar", "Electric Guitar", "Electric Guitar",
        "Electric Guitar", "Acoustic Bass", "Electric Bass", "Electric Bass", "Fretless Bass", "Electric Bass",
        "Electric Bass", "Electric Bass", "Electric Bass", "Violin", "Viola", "Violoncello", "Contrabass",
        "StringInstrument", "StringInstrument", "Harp", "Timpani", "StringInstrument", "StringInstrument",
        "StringInstrument", "StringInstrument", "Choir", "Voice", "Voice", "Sampler", "Trumpet", "Trombone",
        "Tuba", "Trumpet", "Horn", "Brass", "Brass", "Brass", "Soprano Saxophone", "Alto Saxophone",
        "Tenor Saxophone", "Baritone Saxophone", "Oboe", "English Horn", "Bassoon", "Clarinet", "Piccolo",
        "Flute", "Recorder", "Pan Flute", "Pan Flute", "Shakuhachi", "Whistle", "Ocarina", "Sampler", "Sampler",
        "Sampler", "Sampler", "Sampler", "Sampler", "Sampler", "Sampler", "Sampler", "Sampler", "Sampler",
        "Sampler", "Sampler", "Sampler", "Sampler", "Sampler", "Sampler", "Sampler", "Sampler", "Sampler",
        "Sampler", "Sampler", "Sampler", "Sampler", "Sitar", "Banjo", "Shamisen", "Koto", "Kalimba", "Bagpipes",
        "Violin", "Shehnai", "Glockenspiel", "Agogo", "Steel Drum", "Woodblock", "Taiko", "Tom-Tom", "Sampler",
        "Sampler", "Sampler", "Sampler", "Sampler", "Sampler", "Sampler", "Sampler", "Sampler", "Sampler"};
    return program >= 0 && program < 128 ? names[program] : "";
}

// An Instrument object as music21's midiEventToInstrument makes it: the name
// partitionByInstrument groups by (instrumentName; none for a generic
// Instrument), and the partName a track name gives it.
struct M21Instrument {
    int64_t tick = 0;
    bool has_name = false;
    std::string name;
    bool has_part_name = false;
    std::string part_name;
    bool is_generic = true;  // of class Instrument itself (fromString found nothing)
};

inline M21Instrument music21_instrument(const midi::InstrumentEvent& event) {
    M21Instrument inst;
    inst.tick = event.tick;
    if (event.kind == midi::InstrumentEvent::Kind::program_change) {
        inst.has_name = true;
        inst.name = event.channel == kDrumChannel ? "Percussion" : music21_program_name(event.program);
        inst.is_generic = false;
        return inst;
    }
    if (!valid_utf8(event.text)) return inst;  // UnicodeDecodeError: a generic Instrument
    std::string decoded = event.text.substr(0, event.text.find('\0'));
    size_t b = 0, e = decoded.size();
    while (b < e && python_space(static_cast<unsigned char>(decoded[b]))) ++b;
    while (e > b && python_space(static_cast<unsigned char>(decoded[e - 1]))) --e;
    decoded = decoded.substr(b, e - b);
    if (!decoded.empty() && music21_names_instrument(decoded)) {
        inst.has_name = true;  // fromString names the instrument after the whole string
        inst.name = decoded;
        inst.is_generic = false;
    }
    if (decoded.empty()) return inst;
    std::string lower = decoded;
    for (char& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
    auto digits_after_removing = [&](const std::string& word) {
        std::string rest;
        for (size_t pos = 0; pos < lower.size();) {
            if (lower.compare(pos, word.size(), word) == 0) {
                pos += word.size();
            } else {
                rest += lower[pos++];
            }
        }
        return !rest.empty() && std::all_of(rest.begin(), rest.end(),
                                            [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
    };
    if (lower == "instrument" || lower == "inst" || digits_after_removing("instrument ") ||
        digits_after_removing("inst "))
        return inst;  // "lousy" names are not kept
    if (event.kind == midi::InstrumentEvent::Kind::track_name) {
        inst.has_part_name = true;
        inst.part_name = decoded;
    } else {
        inst.has_name = true;
        inst.name = decoded;
    }
    return inst;
}

// The instruments of one track after music21's instrument.deduplicate. It
// means to compare the instruments at each offset, but the OffsetTree it
// builds holds the whole stream as one payload, so it compares all the
// instruments of the track at once: when they agree on at most one part name
// and at most one instrument name, either all are of one class (all generic,
// or all specific: then only the earliest stays) or generic ones are dropped;
// survivors take the shared names. Otherwise all stay. In tick order.
inline std::vector<M21Instrument> track_instruments(const midi::MidiFile& file, int track) {
    std::vector<M21Instrument> all;
    for (const auto& event : file.instrument_events)
        if (event.track == track) all.push_back(music21_instrument(event));
    std::stable_sort(all.begin(), all.end(), [](const M21Instrument& a, const M21Instrument& b) { return a.tick < b.tick; });
    if (all.size() < 2) return all;
    std::vector<std::string> names, part_names;
    size_t generic_count = 0;
    for (const auto& inst : all) {
        if (inst.has_name && std::find(names.begin(), names.end(), inst.name) == names.end()) names.push_back(inst.name);
        if (inst.has_part_name && std::find(part_names.begin(), part_names.end(), inst.part_name) == part_names.end())
            part_names.push_back(inst.part_name);
        // A name fromString does not know gives a generic Instrument; an
        // instrument-name meta keeps its text as instrumentName all the same.
        generic_count += inst.is_generic;
    }
    if (names.size() > 1 || part_names.size() > 1) return all;
    std::vector<M21Instrument> out;
    if (generic_count == 0 || generic_count == all.size()) {
        out.push_back(all.front());
    } else {
        for (const auto& inst : all)
            if (!inst.is_generic) out.push_back(inst);
    }
    for (auto& inst : out) {
        inst.has_name = !names.empty();
        inst.name = names.empty() ? "" : names[0];
        inst.has_part_name = !part_names.empty();
        inst.part_name = part_names.empty() ? "" : part_names[0];
    }
    return out;
}

struct TimedElement {  // before quantization
    ScoreElement element;
    int64_t tick = 0, duration_ticks = 0;
    bool meta = false;  // tempo/time/key signature: only a look-ahead anchor
    int class_order = 20;
    size_t insert_index = 0;
};

struct Bar {
    int64_t start = 0, length = 4 * kUnitsPerQuarter;
};

// Barlines from time signatures (given as (offset units, bar length units)),
// covering [0, end).
inline std::vector<Bar> make_bars(const std::vector<std::pair<int64_t, int64_t>>& signatures, int64_t end) {
    std::vector<Bar> bars;
    int64_t start = 0, length = 4 * kUnitsPerQuarter;
    size_t next_sig = 0;
    do {
        while (next_sig < signatures.size() && signatures[next_sig].first <= start)
            length = signatures[next_sig++].second;
        if (length <= 0) length = 4 * kUnitsPerQuarter;
        bars.push_back({start, length});
        start += length;
    } while (start < end);
    return bars;
}

// Rests over [0, bar_length) where `pieces` (offsets relative to the bar)
// leave silence, split at `split_points` that fall strictly inside a gap.
inline void fill_rests(const std::vector<ScoreElement>& pieces, int64_t bar_length,
                       const std::vector<int64_t>& split_points, int track,
                       int64_t bar_start, std::vector<ScoreElement>& out) {
    std::vector<std::pair<int64_t, int64_t>> spans;
    for (const auto& p : pieces) spans.push_back({p.offset - bar_start, p.offset - bar_start + p.duration});
    for (int64_t s : split_points) spans.push_back({s, s});
    std::sort(spans.begin(), spans.end());
    int64_t covered = 0;
    auto emit = [&](int64_t from, int64_t to) {
        if (to <= from) return;
        ScoreElement rest;
        rest.kind = ScoreElement::Kind::rest;
        rest.offset = bar_start + from;
        rest.duration = to - from;
        rest.track = track;
        out.push_back(rest);
    };
    for (const auto& span : spans) {
        if (span.first > covered) emit(covered, std::min(span.first, bar_length));
        covered = std::max(covered, span.second);
    }
    if (covered < bar_length) emit(covered, bar_length);
}

// One track as music21's midiTrackToStream + makeMeasures/makeTies/makeRests
// and flatten() leave it.
inline std::vector<ScoreElement> track_elements(const midi::MidiFile& file, int track,
                                                const ScoreOptions& options) {
    const double tpq = file.division.smpte || file.division.ticks_per_quarter <= 0
                           ? 480.0 : double(file.division.ticks_per_quarter);
    const auto& divisors = options.quarter_length_divisors;
    std::vector<const midi::Note*> notes;
    for (const auto& n : file.notes)
        if (n.track == track) notes.push_back(&n);
    // music21 keeps notes that start together in file order.
    std::stable_sort(notes.begin(), notes.end(), [](const midi::Note* a, const midi::Note* b) {
        return a->start_tick != b->start_tick ? a->start_tick < b->start_tick : a->sequence < b->sequence;
    });

    // 1. Chords: music21 gathers without checking whether a later note was
    //    already taken by an earlier chord, so a note can sound in two.
    const int max_divisor = divisors.empty() ? 4 : *std::max_element(divisors.begin(), divisors.end());
    const double tolerance = tpq / max_divisor;
    std::vector<TimedElement> timed;
    std::vector<bool> gathered(notes.size(), false);
    bool voices_required = false;
    for (size_t i = 0; i < notes.size(); ++i) {
        if (gathered[i]) continue;
        std::vector<const midi::Note*> group = {notes[i]};
        for (size_t j = i + 1; j < notes.size(); ++j) {
            if (std::fabs(double(notes[j]->start_tick - notes[i]->start_tick)) >= tolerance) break;
            if (std::fabs(double(notes[j]->end_tick - notes[i]->end_tick)) > tolerance) {
                voices_required = true;
                continue;
            }
            group.push_back(notes[j]);
            gathered[j] = true;
        }
        TimedElement t;
        bool drums = false;
        for (const auto* n : group) {
            t.element.pitches.push_back(n->pitch);
            drums = drums || n->channel == kDrumChannel;
        }
        t.element.kind = drums ? ScoreElement::Kind::percussion
                               : group.size() > 1 ? ScoreElement::Kind::chord : ScoreElement::Kind::note;
        t.element.track = track;
        t.tick = notes[i]->start_tick;
        t.duration_ticks = group.back()->end_tick - group.back()->start_tick;
        t.insert_index = timed.size();
        timed.push_back(t);
    }
    // Tempo, time and key signatures of this track also sit in its stream.
    std::vector<int64_t> own_meta_ticks;
    for (const auto& e : file.tempo_map) if (e.track == track) own_meta_ticks.push_back(e.tick);
    for (const auto& e : file.time_signatures) if (e.track == track) own_meta_ticks.push_back(e.tick);
    for (const auto& e : file.key_signatures) if (e.track == track) own_meta_ticks.push_back(e.tick);
    // ... and so do its Instrument objects (program changes, names).
    const std::vector<M21Instrument> instruments = track_instruments(file, track);
    for (const auto& e : instruments) own_meta_ticks.push_back(e.tick);
    for (int64_t tick : own_meta_ticks) {
        TimedElement t;
        t.meta = true;
        t.tick = tick;
        t.class_order = 1;
        t.insert_index = size_t(-1) / 2 + timed.size();  // metas were inserted first, but sort below by class
        timed.push_back(t);
    }
    std::stable_sort(timed.begin(), timed.end(), [](const TimedElement& a, const TimedElement& b) {
        if (a.tick != b.tick) return a.tick < b.tick;
        if (a.class_order != b.class_order) return a.class_order < b.class_order;
        const bool ga = !a.meta && a.duration_ticks == 0, gb = !b.meta && b.duration_ticks == 0;
        if (ga != gb) return ga;  // grace notes first
        return a.insert_index < b.insert_index;
    });

    // 2. Quantization with music21's look-ahead for durations.
    std::vector<ScoreElement> elements;
    for (size_t i = 0; i < timed.size(); ++i) {
        if (timed[i].meta) continue;
        ScoreElement e = timed[i].element;
        const double raw_offset = double(timed[i].tick) / tpq;
        const double offset = best_match(raw_offset, divisors, true);
        e.offset = to_units(offset);
        const double raw_duration = double(std::max<int64_t>(timed[i].duration_ticks, 0)) / tpq;
        const bool zero_allowed = timed[i].duration_ticks == 0;  // grace notes stay 0
        double gap = -1.0;
        for (size_t j = i + 1; j < timed.size(); ++j) {
            const double next = best_match(double(timed[j].tick) / tpq, divisors, true);
            if (next > offset) {
                gap = double(to_units(next) - e.offset) / double(kUnitsPerQuarter);
                break;
            }
        }
        const double duration = gap >= 0.0 ? best_match(raw_duration, divisors, zero_allowed, gap)
                                            : best_match(raw_duration, divisors, zero_allowed);
        e.duration = to_units(duration);
        elements.push_back(e);
    }
    std::stable_sort(elements.begin(), elements.end(), [](const ScoreElement& a, const ScoreElement& b) {
        if (a.offset != b.offset) return a.offset < b.offset;
        return a.grace() && !b.grace();
    });

    // 3. Measures: conductor time signatures (tracks without notes) and this
    //    track's own; metas of both split rests.
    std::vector<bool> has_notes(size_t(std::max(file.track_count, 1)) + 64, false);
    for (const auto& n : file.notes)
        if (n.track >= 0 && size_t(n.track) < has_notes.size()) has_notes[size_t(n.track)] = true;
    for (const auto& n : file.unterminated)
        if (n.track >= 0 && size_t(n.track) < has_notes.size()) has_notes[size_t(n.track)] = true;
    // The conductor part holds what music21 has read so far: tracks before
    // this one without notes.
    auto applies = [&](int t) {
        return t == track || t < 0 || size_t(t) >= has_notes.size() || (t < track && !has_notes[size_t(t)]);
    };
    auto meta_offset = [&](int64_t tick) { return to_units(best_match(double(tick) / tpq, divisors, true)); };
    std::vector<std::pair<int64_t, int64_t>> signatures;
    std::vector<int64_t> meta_points;
    for (const auto& ts : file.time_signatures) {
        if (!applies(ts.track)) continue;
        const int64_t bar = ts.denominator > 0 ? ts.numerator * 4 * kUnitsPerQuarter / ts.denominator : 0;
        signatures.push_back({meta_offset(ts.tick), bar});
        meta_points.push_back(meta_offset(ts.tick));
    }
    std::stable_sort(signatures.begin(), signatures.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& e : file.tempo_map) if (applies(e.track)) meta_points.push_back(meta_offset(e.tick));
    for (const auto& e : file.key_signatures) if (applies(e.track)) meta_points.push_back(meta_offset(e.tick));
    for (const auto& e : instruments) meta_points.push_back(meta_offset(e.tick));
    int64_t end = 0;
    for (const auto& e : elements) end = std::max(end, e.offset + e.duration);
    for (int64_t p : meta_points) end = std::max(end, p);
    const std::vector<Bar> bars = make_bars(signatures, end);

    // Split at barlines (makeTies); put pieces into their bars.
    std::vector<std::vector<ScoreElement>> in_bar(bars.size()), carried(bars.size());
    auto bar_of = [&](int64_t offset) {
        size_t b = size_t(std::upper_bound(bars.begin(), bars.end(), offset,
                                           [](int64_t o, const Bar& bar) { return o < bar.start; }) - bars.begin());
        return b == 0 ? size_t(0) : b - 1;
    };
    for (const auto& e : elements) {
        size_t b = bar_of(e.offset);
        ScoreElement piece = e;
        while (b + 1 < bars.size() && piece.offset + piece.duration > bars[b].start + bars[b].length) {
            const int64_t barline = bars[b].start + bars[b].length;
            ScoreElement head = piece;
            head.duration = barline - piece.offset;
            in_bar[b].push_back(head);
            piece.duration -= head.duration;
            piece.offset = barline;
            piece.tie_continuation = true;
            ++b;
        }
        (piece.tie_continuation ? carried : in_bar)[b].push_back(piece);
    }
    // makeTies inserts a continuation into the next measure after what that
    // measure already holds, so it follows notes starting on the barline.
    for (size_t b = 0; b < bars.size(); ++b) {
        in_bar[b].insert(in_bar[b].end(), carried[b].begin(), carried[b].end());
        std::stable_sort(in_bar[b].begin(), in_bar[b].end(), [](const ScoreElement& x, const ScoreElement& y) {
            if (x.offset != y.offset) return x.offset < y.offset;
            return x.grace() && !y.grace();
        });
    }

    // 4. Rests, per bar or per voice; flatten order: bar by bar, voice by voice.
    std::vector<ScoreElement> flat;
    for (size_t b = 0; b < bars.size(); ++b) {
        const auto& pieces = in_bar[b];
        const Bar& bar = bars[b];
        // music21 makes voices only where the track needs them and notes overlap.
        size_t voice_count = 1;
        if (voices_required && pieces.size() > 1) {
            size_t group = 1, largest = 1;
            int64_t group_end = pieces[0].offset + pieces[0].duration;
            for (size_t k = 1; k < pieces.size(); ++k) {
                if (pieces[k].offset < group_end) {
                    ++group;
                } else {
                    group = 1;
                }
                group_end = group == 1 ? pieces[k].offset + pieces[k].duration
                                       : std::max(group_end, pieces[k].offset + pieces[k].duration);
                largest = std::max(largest, group);
            }
            voice_count = largest;
        }
        std::vector<std::vector<ScoreElement>> voices(voice_count);
        if (voice_count == 1) {
            voices[0] = pieces;
        } else {
            std::vector<int64_t> highest(voice_count, 0);
            for (const auto& p : pieces) {
                for (size_t v = 0; v < voice_count; ++v) {
                    if (highest[v] <= p.offset - bar.start) {
                        voices[v].push_back(p);
                        highest[v] = std::max(highest[v], p.offset - bar.start + p.duration);
                        break;
                    }
                }
            }
        }
        std::vector<int64_t> splits;
        if (voice_count == 1)
            for (int64_t m : meta_points)
                if (m > bar.start && m < bar.start + bar.length) splits.push_back(m - bar.start);
        std::vector<ScoreElement> bar_flat;
        for (const auto& voice : voices) {
            if (voice.empty() && voice_count > 1) continue;
            std::vector<ScoreElement> with_rests = voice;
            if (options.include_rests) {
                std::vector<ScoreElement> rests;
                fill_rests(voice, bar.length, splits, track, bar.start, rests);
                with_rests.insert(with_rests.end(), rests.begin(), rests.end());
            }
            std::stable_sort(with_rests.begin(), with_rests.end(), [](const ScoreElement& x, const ScoreElement& y) {
                if (x.offset != y.offset) return x.offset < y.offset;
                return x.grace() && !y.grace();
            });
            bar_flat.insert(bar_flat.end(), with_rests.begin(), with_rests.end());
        }
        flat.insert(flat.end(), bar_flat.begin(), bar_flat.end());
    }
    std::stable_sort(flat.begin(), flat.end(), [](const ScoreElement& x, const ScoreElement& y) {
        if (x.offset != y.offset) return x.offset < y.offset;
        return x.grace() && !y.grace();
    });
    return flat;
}

}  // namespace detail

// The elements music21 would list for this file (see the header comment),
// percussion included (it has no token; paper_tokens skips it).
inline std::vector<ScoreElement> score_elements(const midi::MidiFile& file, const ScoreOptions& options = {}) {
    std::vector<int> tracks;
    for (const auto& n : file.notes) tracks.push_back(n.track);
    for (const auto& n : file.unterminated) tracks.push_back(n.track);
    std::sort(tracks.begin(), tracks.end());
    tracks.erase(std::unique(tracks.begin(), tracks.end()), tracks.end());
    const PartSelection selection = options.merge_tracks ? options.parts : PartSelection::first_track;
    std::vector<ScoreElement> merged;
    if (selection == PartSelection::first_instrument) {
        // partitionByInstrument: every Instrument object of a track lasts until
        // the next one of that track (the last to the end); parts are keyed by
        // instrumentName (none: ""), in order of first appearance, track by
        // track; parts[0] takes what starts inside the spans of its key. An
        // instrument of zero length (another at the same offset follows) takes
        // only zero-length elements at its offset. Without any instrument
        // the parts are the tracks themselves.
        const double tpq = file.division.smpte || file.division.ticks_per_quarter <= 0
                               ? 480.0 : double(file.division.ticks_per_quarter);
        struct Span { int64_t start, end; std::string key; };
        std::vector<std::vector<Span>> spans(tracks.size());
        bool found = false;
        std::string first_key;
        for (size_t t = 0; t < tracks.size(); ++t) {
            const auto instruments = detail::track_instruments(file, tracks[t]);
            std::vector<std::pair<int64_t, std::string>> placed;
            for (const auto& inst : instruments)
                placed.push_back({detail::to_units(detail::best_match(double(inst.tick) / tpq,
                                                                      options.quarter_length_divisors, true)),
                                  inst.has_name ? inst.name : std::string()});
            std::stable_sort(placed.begin(), placed.end(),
                             [](const auto& a, const auto& b) { return a.first < b.first; });
            for (size_t k = 0; k < placed.size(); ++k) {
                const int64_t end = k + 1 < placed.size() ? placed[k + 1].first : std::numeric_limits<int64_t>::max();
                spans[t].push_back({placed[k].first, end, placed[k].second});
                if (!found) first_key = placed[k].second;
                found = true;
            }
        }
        if (!found) {
            if (tracks.size() > 1) tracks.resize(1);
            for (int track : tracks) {
                auto part = detail::track_elements(file, track, options);
                merged.insert(merged.end(), part.begin(), part.end());
            }
        } else {
            for (size_t t = 0; t < tracks.size(); ++t) {
                const auto part = detail::track_elements(file, tracks[t], options);
                for (const auto& e : part) {
                    const bool zero = e.duration == 0;
                    for (const auto& span : spans[t]) {
                        if (span.key != first_key) continue;
                        const bool inside = span.start == span.end ? (zero && e.offset == span.start)
                                                                   : (e.offset >= span.start && e.offset < span.end);
                        if (inside) {
                            merged.push_back(e);
                            break;
                        }
                    }
                }
            }
        }
    } else {
        if (selection == PartSelection::first_track && tracks.size() > 1) tracks.resize(1);
        for (int track : tracks) {
            auto part = detail::track_elements(file, track, options);
            merged.insert(merged.end(), part.begin(), part.end());
        }
    }
    std::stable_sort(merged.begin(), merged.end(), [](const ScoreElement& x, const ScoreElement& y) {
        if (x.offset != y.offset) return x.offset < y.offset;
        return x.grace() && !y.grace();
    });
    return merged;
}

// The paper's token for one element; "" for percussion.
inline std::string paper_token(const ScoreElement& e) {
    switch (e.kind) {
        case ScoreElement::Kind::note: return pitch_name(e.pitches.front());
        case ScoreElement::Kind::chord: return chord_token(e.pitches);
        case ScoreElement::Kind::rest: return "rest_" + quarter_length_string(e.duration);
        case ScoreElement::Kind::percussion: return "";
    }
    return "";
}

inline bool is_rest_token(const std::string& token) { return token.rfind("rest", 0) == 0; }

inline std::vector<std::string> paper_tokens(const midi::MidiFile& file, const ScoreOptions& options = {}) {
    std::vector<std::string> tokens;
    for (const auto& e : score_elements(file, options)) {
        std::string t = paper_token(e);
        if (!t.empty()) tokens.push_back(std::move(t));
    }
    return tokens;
}

// Piano-style merge: every non-drum note of every track in one stream; notes
// whose onsets quantize (music21's grid) to the same point form one chord,
// whatever their durations. Tokens in onset order, same spelling as above.
inline std::vector<std::string> piano_merge_tokens(const midi::MidiFile& file,
                                                   const std::vector<int>& divisors = {4, 3}) {
    const double tpq = file.division.smpte || file.division.ticks_per_quarter <= 0
                           ? 480.0 : double(file.division.ticks_per_quarter);
    std::map<int64_t, std::vector<int>> by_onset;
    for (const auto& n : file.notes) {
        if (n.channel == kDrumChannel) continue;
        by_onset[detail::to_units(detail::best_match(double(n.start_tick) / tpq, divisors, true))].push_back(n.pitch);
    }
    std::vector<std::string> tokens;
    for (auto& [onset, keys] : by_onset) {
        (void)onset;
        std::sort(keys.begin(), keys.end());
        keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
        tokens.push_back(keys.size() == 1 ? pitch_name(keys[0]) : chord_token(keys));
    }
    return tokens;
}

struct DecodeOptions {
    double step_quarters = 0.5;      // the paper's offset += 0.5
    double duration_quarters = 1.0;  // music21's default Note duration (a quarter)
    int chord_octave = 4;            // note.Note(int) puts a pitch class in octave 4
    int velocity = 100;
    int program = 0;
    int channel = 0;
};

// Paper tokens back to notes, as the paper's generation code does: element k
// starts at k * step; a note token keeps its pitch; a chord token "4.9" gives
// one note per pitch class in octave 4 (E4, A4); a rest token (or "rest")
// sounds nothing but still takes its step. Throws std::invalid_argument naming
// a token that is none of these.
inline std::vector<midi::Note> decode_paper_tokens(const std::vector<std::string>& tokens,
                                                   int ticks_per_quarter = 480,
                                                   const DecodeOptions& options = {}) {
    std::vector<midi::Note> notes;
    const auto step = int64_t(std::llround(options.step_quarters * ticks_per_quarter));
    const auto length = int64_t(std::llround(options.duration_quarters * ticks_per_quarter));
    for (size_t k = 0; k < tokens.size(); ++k) {
        const std::string& token = tokens[k];
        const int64_t start = int64_t(k) * step;
        std::vector<int> keys;
        if (is_rest_token(token)) {
            continue;
        } else if (!token.empty() && (std::isdigit(static_cast<unsigned char>(token[0])))) {
            size_t pos = 0;
            while (pos < token.size()) {
                size_t dot = token.find('.', pos);
                if (dot == std::string::npos) dot = token.size();
                const std::string part = token.substr(pos, dot - pos);
                if (part.empty() || part.size() > 2 ||
                    !std::all_of(part.begin(), part.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) ||
                    std::stoi(part) > 11)
                    throw std::invalid_argument("not a chord token: \"" + token + "\"");
                keys.push_back((options.chord_octave + 1) * 12 + std::stoi(part));
                pos = dot + 1;
            }
        } else {
            try {
                keys.push_back(parse_pitch_name(token));
            } catch (const std::invalid_argument&) {
                throw std::invalid_argument("not a paper token (note, chord or rest): \"" + token + "\"");
            }
        }
        for (int key : keys) {
            midi::Note n;
            n.channel = options.channel;
            n.program = options.program;
            n.pitch = key;
            n.velocity = options.velocity;
            n.start_tick = start;
            n.end_tick = start + length;
            notes.push_back(n);
        }
    }
    return notes;
}

}  // namespace cadenza::music
