// examples/cadenza-music/lib/corpus.cpp: see corpus.hpp.
#include "corpus.hpp"

#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>

#include "cadenza/midi/midi_reader.hpp"
#include "cadenza/music/rich_tokens.hpp"
#include "cadenza/music/tokenize.hpp"

namespace cadenza::app {

namespace fs = std::filesystem;

const char* encoding_name(Encoding e) { return e == Encoding::paper ? "paper" : "rich"; }

Encoding parse_encoding(const std::string& s, const std::string& where) {
    if (s == "paper") return Encoding::paper;
    if (s == "rich") return Encoding::rich;
    throw Error(where + ": unknown encoding '" + s + "' (expected paper or rich)");
}

const char* parts_name(Parts p) { return p == Parts::first ? "first" : "all"; }

Parts parse_parts(const std::string& s, const std::string& where) {
    if (s == "first" || s.empty()) return Parts::first;
    if (s == "all") return Parts::all;
    throw Error(where + ": unknown parts '" + s + "' (expected first or all)");
}

int64_t Corpus::token_count() const {
    int64_t n = 0;
    for (const auto& s : songs) n += int64_t(s.ids.size());
    return n;
}

// Tokens of one MIDI file in the given encoding (drums left out). The paper
// encoding reads music21's first instrument part, as the paper's code does, or
// every track (Parts::all), which keeps all of a multi-instrument file.
std::vector<std::string> tokenize(const midi::MidiFile& file, Encoding encoding, bool rests,
                                  Parts parts) {
    if (encoding == Encoding::paper) {
        music::ScoreOptions o;
        o.include_rests = rests;
        o.parts = parts == Parts::first ? music::PartSelection::first_instrument
                                        : music::PartSelection::all_tracks;
        return music::paper_tokens(file, o);
    }
    std::vector<midi::Note> pitched;
    for (const auto& n : file.notes)
        if (n.channel != 9) pitched.push_back(n);
    const int tpq = file.division.smpte ? 480 : file.division.ticks_per_quarter;
    return music::encode_rich(pitched, tpq);
}

namespace {

bool is_midi_name(const fs::path& p) {
    std::string ext = p.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    return ext == ".mid" || ext == ".midi" || ext == ".rmi" || ext == ".kar" || ext == ".smf";
}

}  // namespace

std::vector<std::string> find_midi_files(const std::vector<std::string>& inputs) {
    std::vector<std::string> files;
    for (const auto& in : inputs) {
        std::error_code ec;
        fs::file_status st = fs::status(in, ec);
        if (ec || !fs::exists(st)) throw Error(in + ": no such file or folder");
        if (fs::is_directory(st)) {
            std::vector<std::string> found;
            for (auto it = fs::recursive_directory_iterator(
                     in, fs::directory_options::skip_permission_denied, ec);
                 !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
                if (it->is_regular_file() && is_midi_name(it->path()))
                    found.push_back(it->path().string());
            if (ec) throw Error(in + ": cannot list the folder (" + ec.message() + ")");
            std::sort(found.begin(), found.end());
            if (found.empty())
                throw Error(in + ": the folder holds no MIDI files (*.mid, *.midi, *.rmi, *.kar)");
            files.insert(files.end(), found.begin(), found.end());
        } else {
            files.push_back(in);
        }
    }
    return files;
}

Corpus prepare_corpus(const std::vector<std::string>& files, Encoding encoding, bool rests,
                      Parts parts, int64_t min_count, PrepareReport& report) {
    std::vector<std::pair<std::string, std::vector<std::string>>> tokenized;
    std::set<int> pitches;
    for (const auto& path : files) {
        try {
            midi::MidiFile f = midi::read_midi(path);
            for (const auto& n : f.notes) {
                if (n.channel == 9) ++report.drum_notes;
                else pitches.insert(n.pitch);
                ++report.notes;
            }
            auto tokens = tokenize(f, encoding, rests, parts);
            if (tokens.empty()) {
                report.skipped.push_back({path, "no pitched notes to tokenize"});
                continue;
            }
            tokenized.push_back({fs::path(path).filename().string(), std::move(tokens)});
            ++report.files_read;
        } catch (const std::exception& e) {
            report.skipped.push_back({path, e.what()});
        }
    }
    if (tokenized.empty()) {
        std::string first = report.skipped.empty() ? "" : report.skipped.front().second;
        std::string more =
            report.skipped.size() > 1
                ? " (and " + std::to_string(report.skipped.size() - 1) + " more files failed)"
                : "";
        throw Error("none of the " + std::to_string(files.size()) +
                    " input files could be read and tokenized: " + first + more);
    }
    std::vector<std::vector<std::string>> streams;
    for (auto& t : tokenized) streams.push_back(t.second);
    Corpus c;
    c.encoding = encoding;
    c.rests = rests;
    c.parts = parts;
    c.vocabulary = music::Vocabulary::build(streams, min_count);
    for (auto& [name, tokens] : tokenized) {
        Song s{name, c.vocabulary.encode(tokens)};
        report.tokens += int64_t(s.ids.size());
        c.songs.push_back(std::move(s));
    }
    if (c.vocabulary.has_unknown())
        report.folded_tokens = c.vocabulary.count(c.vocabulary.encode(music::Vocabulary::kUnknown));
    report.unique_pitches = int(pitches.size());
    return c;
}

namespace {

std::string corpus_header(const Corpus& c) {
    std::ostringstream s;
    s << "cadenza-corpus 1\nencoding " << encoding_name(c.encoding) << "\nrests "
      << (c.rests ? 1 : 0) << "\nparts " << parts_name(c.parts) << "\nsongs " << c.songs.size()
      << "\n";
    return s.str();
}

}  // namespace

namespace {

void write_songs(const Corpus& c, io::Container& out) {
    io::ByteWriter w;
    w.put<uint32_t>(uint32_t(c.songs.size()));
    for (const auto& s : c.songs) {
        w.put_string(s.name);
        w.put<uint64_t>(s.ids.size());
        for (int id : s.ids) w.put<int32_t>(id);
    }
    out.set("songs", std::move(w.str()));
}

}  // namespace

void save_corpus(const Corpus& c, const std::string& path) {
    io::Container out;
    out.set("corpus", corpus_header(c));
    out.set("vocabulary", c.vocabulary.serialize());
    write_songs(c, out);
    out.save(path);
}

// Encoding and rests from a "corpus"-style header ("key value" lines).
std::map<std::string, std::string> parse_key_values(const std::string& text) {
    std::map<std::string, std::string> kv;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        auto sp = line.find(' ');
        if (sp != std::string::npos) kv[line.substr(0, sp)] = line.substr(sp + 1);
    }
    return kv;
}

music::Vocabulary read_vocabulary(const io::Container& in) {
    try {
        return music::Vocabulary::parse(in.get("vocabulary"));
    } catch (const std::exception& e) {
        throw Error(in.source() + ": the vocabulary section is unreadable: " + e.what());
    }
}

Corpus load_corpus(const std::string& path) {
    io::Container in = io::Container::load(path);
    auto kv = parse_key_values(in.get("corpus"));
    CADENZA_CHECK(in.get("corpus").rfind("cadenza-corpus 1\n", 0) == 0, path,
                  ": not a Cadenza corpus (made by `cadenza-music prepare`)");
    Corpus c;
    c.encoding = parse_encoding(kv["encoding"], path);
    c.rests = kv["rests"] == "1";
    c.parts = parse_parts(kv["parts"], path);
    c.vocabulary = read_vocabulary(in);
    io::ByteReader r(in.get("songs"), path + " (songs)");
    uint32_t n = r.get<uint32_t>("the song count");
    const int V = int(c.vocabulary.size());
    for (uint32_t i = 0; i < n; ++i) {
        Song s;
        s.name = r.get_string("a song name");
        uint64_t len = r.get<uint64_t>("a song length");
        r.need(len * 4, "the song's token ids");
        s.ids.resize(size_t(len));
        for (auto& id : s.ids) {
            id = r.get<int32_t>("a token id");
            CADENZA_CHECK(id >= 0 && id < V, path, ": song '", s.name, "' has token id ", id,
                          " outside its vocabulary of ", V);
        }
        c.songs.push_back(std::move(s));
    }
    CADENZA_CHECK(!c.songs.empty(), path, ": the corpus holds no songs");
    return c;
}

}  // namespace cadenza::app
