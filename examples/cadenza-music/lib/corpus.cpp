// examples/cadenza-music/lib/corpus.cpp: see corpus.hpp.
#include "corpus.hpp"

#include <omp.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <sstream>
#include <unordered_map>

#include "cadenza/midi/midi_reader.hpp"
#include "cadenza/music/rich_tokens.hpp"
#include "cadenza/music/paper_decode.hpp"
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

namespace {

// Every MIDI file below `root`, following symbolic links to folders but
// never into a folder twice; what cannot be read is listed, not fatal.
void search_folder(const fs::path& root, std::vector<std::string>& found,
                   std::vector<std::pair<std::string, std::string>>& skipped) {
    std::set<std::pair<dev_t, ino_t>> visited;
    struct stat root_info {};
    if (::stat(root.c_str(), &root_info) == 0) visited.insert({root_info.st_dev, root_info.st_ino});
    std::vector<fs::path> folders = {root};
    while (!folders.empty()) {
        const fs::path dir = folders.back();
        folders.pop_back();
        std::error_code ec;
        std::vector<fs::path> entries;
        for (fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
             !ec && it != end; it.increment(ec))
            entries.push_back(it->path());
        if (ec) skipped.push_back({dir.string(), "cannot list the folder (" + ec.message() + ")"});
        std::sort(entries.begin(), entries.end());
        for (const fs::path& p : entries) {
            struct stat info {};
            if (::stat(p.c_str(), &info) != 0) {  // a link that leads nowhere, or in circles
                const int error = errno;
                skipped.push_back({p.string(), error == ELOOP ? "a symbolic link loop"
                                                              : "a dangling symbolic link (" +
                                                                    std::string(std::strerror(error)) + ")"});
                continue;
            }
            if (S_ISDIR(info.st_mode)) {
                if (visited.insert({info.st_dev, info.st_ino}).second)
                    folders.push_back(p);
                else
                    skipped.push_back({p.string(), "a folder already searched (a symbolic link loop)"});
                continue;
            }
            if (!is_midi_name(p)) continue;
            if (!S_ISREG(info.st_mode)) {
                skipped.push_back({p.string(), "not a regular file (a FIFO, device or socket)"});
                continue;
            }
            found.push_back(p.string());
        }
    }
}

}  // namespace

std::vector<std::string> find_midi_files(const std::vector<std::string>& inputs,
                                         std::vector<std::pair<std::string, std::string>>& skipped) {
    std::vector<std::string> files;
    for (const auto& in : inputs) {
        struct stat info {};
        if (::stat(in.c_str(), &info) != 0) {
            if (errno == ELOOP) throw Error(in + ": a symbolic link loop, not a file or folder");
            throw Error(in + ": no such file or folder");
        }
        if (!S_ISDIR(info.st_mode)) {
            files.push_back(in);
            continue;
        }
        std::vector<std::string> found;
        search_folder(in, found, skipped);
        std::sort(found.begin(), found.end());
        if (found.empty())
            throw Error(in + ": the folder holds no MIDI files (*.mid, *.midi, *.rmi, *.kar, *.smf)");
        files.insert(files.end(), found.begin(), found.end());
    }
    return files;
}

namespace {

// What reading one file gave: merged into the report in file order.
struct FileResult {
    std::vector<std::string> warnings;
    int64_t drum_notes = 0, notes = 0;
    std::set<int> pitches;
    // The file's tokens as numbers into its own list of distinct tokens (in
    // order of first appearance): 4 bytes a token, and the hashing done on
    // the reading threads.
    std::vector<std::string> distinct;
    std::vector<int> local_ids;
    std::string skipped;  // why, when the file gave no song
};

FileResult read_one(const std::string& path, Encoding encoding, bool rests, Parts parts) {
    FileResult r;
    try {
        midi::MidiFile f = midi::read_midi(path);
        r.warnings = f.warnings;
        for (const auto& n : f.notes) {
            if (n.channel == 9) ++r.drum_notes;
            else r.pitches.insert(n.pitch);
            ++r.notes;
        }
        const std::vector<std::string> tokens = tokenize(f, encoding, rests, parts);
        if (tokens.empty()) r.skipped = "no pitched notes to tokenize";
        std::unordered_map<std::string, int> number;
        r.local_ids.reserve(tokens.size());
        for (const std::string& token : tokens) {
            const auto [it, added] = number.try_emplace(token, int(r.distinct.size()));
            if (added) r.distinct.push_back(token);
            r.local_ids.push_back(it->second);
        }
    } catch (const std::exception& e) {
        r.distinct.clear();
        r.local_ids.clear();
        r.skipped = e.what();
        // The list names the file; so do MidiError and ScoreSizeError.
        if (r.skipped.rfind(path + ": ", 0) == 0) r.skipped.erase(0, path.size() + 2);
    }
    return r;
}

}  // namespace

Corpus prepare_corpus(const std::vector<std::string>& files, Encoding encoding, bool rests,
                      Parts parts, int64_t min_count, PrepareReport& report, int threads) {
    // Tokens are strings only inside read_one: each file's distinct tokens get
    // provisional numbers here, in order of first appearance, the songs keep
    // 4 bytes a token, and the vocabulary (whose order depends on the counts
    // of the whole corpus) renumbers them at the end.
    std::vector<std::pair<std::string, std::vector<int>>> tokenized;
    std::unordered_map<std::string, int> provisional;
    std::vector<std::string> names;  // provisional number -> token
    std::vector<int64_t> counts;
    std::vector<std::string> files_of_songs;
    std::set<int> pitches;
    const int team = threads > 0 ? threads : omp_get_max_threads();
    const int64_t n = int64_t(files.size()), chunk = 256;
    std::vector<FileResult> results;
    for (int64_t c0 = 0; c0 < n; c0 += chunk) {
        const int64_t c1 = std::min(n, c0 + chunk);
        results.assign(size_t(c1 - c0), FileResult{});
        // Each file alone on a thread (read_one catches everything it throws).
#pragma omp parallel for num_threads(team) schedule(dynamic, 1)
        for (int64_t i = c0; i < c1; ++i) results[size_t(i - c0)] = read_one(files[size_t(i)], encoding, rests, parts);
        for (int64_t i = c0; i < c1; ++i) {
            FileResult& r = results[size_t(i - c0)];
            const std::string& path = files[size_t(i)];
            for (auto& w : r.warnings) report.warnings.push_back({path, w});
            report.drum_notes += r.drum_notes;
            report.notes += r.notes;
            pitches.insert(r.pitches.begin(), r.pitches.end());
            if (!r.skipped.empty()) {
                report.skipped.push_back({path, r.skipped});
                continue;
            }
            std::vector<int> to_global(r.distinct.size());
            for (size_t k = 0; k < r.distinct.size(); ++k) {
                const auto [it, added] = provisional.try_emplace(r.distinct[k], int(names.size()));
                if (added) {
                    names.push_back(r.distinct[k]);
                    counts.push_back(0);
                }
                to_global[k] = it->second;
            }
            std::vector<int> ids = std::move(r.local_ids);
            for (int& id : ids) ++counts[size_t(id = to_global[size_t(id)])];
            tokenized.push_back({fs::path(path).filename().string(), std::move(ids)});
            files_of_songs.push_back(path);
            ++report.files_read;
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
    Corpus c;
    c.encoding = encoding;
    c.rests = rests;
    c.parts = parts;
    std::map<std::string, int64_t> by_token;
    for (size_t k = 0; k < names.size(); ++k) by_token[names[k]] = counts[k];
    c.vocabulary = music::Vocabulary::from_counts(by_token, min_count);
    std::vector<int> final_id(names.size());
    for (size_t k = 0; k < names.size(); ++k) final_id[k] = c.vocabulary.encode(names[k]);
    for (auto& [name, ids] : tokenized) {
        for (int& id : ids) id = final_id[size_t(id)];
        report.tokens += int64_t(ids.size());
        c.songs.push_back(Song{name, std::move(ids)});
    }
    if (c.vocabulary.has_unknown())
        report.folded_tokens = c.vocabulary.count(c.vocabulary.encode(music::Vocabulary::kUnknown));
    report.unique_pitches = int(pitches.size());
    // One song that dominates the corpus (a broken file's endless rests, say)
    // would decide what the model learns: name it.
    for (size_t i = 0; i < tokenized.size() && c.songs.size() > 1; ++i)
        if (double(c.songs[i].ids.size()) > 0.25 * double(report.tokens))
            report.warnings.push_back(
                {files_of_songs[i], "makes " + std::to_string(int(100.0 * double(c.songs[i].ids.size()) /
                                                                    double(report.tokens))) +
                                        "% of the corpus's tokens (" + std::to_string(c.songs[i].ids.size()) +
                                        " of " + std::to_string(report.tokens) +
                                        "); check it, or leave it out, if that is not what it should weigh"});
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

void check_vocabulary(const music::Vocabulary& vocabulary, Encoding encoding, const std::string& where) {
    for (const std::string& token : vocabulary.tokens()) {
        if (token == music::Vocabulary::kUnknown) continue;
        const bool valid = encoding == Encoding::paper ? music::is_paper_token(token) : music::is_rich_token(token);
        CADENZA_CHECK(valid, where, ": the vocabulary holds \"", token, "\", which the ", encoding_name(encoding),
                      " encoding never makes; the file's encoding and vocabulary disagree");
    }
}

Corpus load_corpus(const std::string& path) { return load_corpus(io::Container::load(path)); }

Corpus load_corpus(const io::Container& in) {
    const std::string& path = in.source();
    auto kv = parse_key_values(in.get("corpus"));
    CADENZA_CHECK(in.get("corpus").rfind("cadenza-corpus 1\n", 0) == 0, path,
                  ": not a Cadenza corpus (made by `cadenza-music prepare`)");
    Corpus c;
    c.encoding = parse_encoding(kv["encoding"], path);
    c.rests = kv["rests"] == "1";
    c.parts = parse_parts(kv["parts"], path);
    CADENZA_CHECK(kv["rests"] == "0" || kv["rests"] == "1", path, ": rests '", kv["rests"], "' is not 0 or 1");
    c.vocabulary = read_vocabulary(in);
    check_vocabulary(c.vocabulary, c.encoding, path);
    io::ByteReader r(in.get("songs"), path + " (songs)");
    uint32_t n = r.get<uint32_t>("the song count");
    const int V = int(c.vocabulary.size());
    for (uint32_t i = 0; i < n; ++i) {
        Song s;
        s.name = r.get_string("a song name");
        uint64_t len = r.get<uint64_t>("a song length");
        r.need_items(len, 4, "the song's token ids");
        s.ids.resize(size_t(len));
        for (auto& id : s.ids) {
            id = r.get<int32_t>("a token id");
            CADENZA_CHECK(id >= 0 && id < V, path, ": song '", s.name, "' has token id ", id,
                          " outside its vocabulary of ", V);
        }
        c.songs.push_back(std::move(s));
    }
    CADENZA_CHECK(r.remaining() == 0, path, " (songs): ", r.remaining(), " bytes after the last song");
    CADENZA_CHECK(!c.songs.empty(), path, ": the corpus holds no songs");
    CADENZA_CHECK(kv["songs"] == std::to_string(c.songs.size()), path, ": the header announces ", kv["songs"],
                  " songs but ", c.songs.size(), " are stored");
    return c;
}

}  // namespace cadenza::app
