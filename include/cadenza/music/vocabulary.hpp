// cadenza/music/vocabulary.hpp: token string <-> integer id, as the paper's
// note_to_int = dict((note, number) for number, note in enumerate(sorted(set(notes)))).
//
//   auto vocab = Vocabulary::build({song1_tokens, song2_tokens}, /*min_count=*/1);
//   int id = vocab.encode("E-4");           // throws VocabularyError if unknown (no <unk>)
//   std::string t = vocab.decode(id);
//   std::string blob = vocab.serialize();   // text: header line, then "count<TAB>token" lines
//   Vocabulary back = Vocabulary::parse(blob);
//
// Ids follow the byte-wise sorted token strings (Python's sorted() on ASCII
// strings), so ids are the paper's. With min_count > 1, tokens seen fewer
// times fold into "<unk>", which is then part of the sorted set like any other
// token ('<' sorts before digits and letters, so it gets id 0).
#pragma once

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <map>
#include <sstream>
#include <string>
#include <system_error>
#include <unordered_map>
#include <vector>

#include "cadenza/error.hpp"

namespace cadenza::music {

// A model's vocabulary and the data disagree, or a serialized vocabulary is
// malformed. The message names the token or the line.
class VocabularyError : public Error {
public:
    using Error::Error;
};

class Vocabulary {
public:
    static constexpr const char* kUnknown = "<unk>";
    static constexpr const char* kMagic = "cadenza-vocabulary 1";

    Vocabulary() = default;

    // From token streams (one per song); counts are kept for reports.
    static Vocabulary build(const std::vector<std::vector<std::string>>& songs,
                            int64_t min_count = 1) {
        std::map<std::string, int64_t> counts;
        for (const auto& song : songs)
            for (const auto& t : song) ++counts[t];
        return from_counts(counts, min_count);
    }

    static Vocabulary from_counts(const std::map<std::string, int64_t>& counts,
                                  int64_t min_count = 1) {
        std::map<std::string, int64_t> kept;  // std::map: byte-wise sorted, as Python's sorted()
        int64_t folded = 0;
        for (const auto& [token, count] : counts) {
            if (count >= min_count) kept[token] += count;
            else folded += count;
        }
        if (folded > 0 || min_count > 1) kept[kUnknown] += folded;
        Vocabulary v;
        for (const auto& [token, count] : kept) v.add(token, count);
        return v;
    }

    // Adds `token` after the existing ones when it is new (a run's own tokens,
    // e.g. transposed ones: the corpus's ids keep their meaning, so the
    // corpus's vocabulary stays a prefix of the run's); returns its id.
    int extend(const std::string& token, int64_t count = 0) {
        auto it = ids_.find(token);
        if (it != ids_.end()) return it->second;
        CADENZA_CHECK(!token.empty() && token.find_first_of("\t\n") == std::string::npos,
                      "a vocabulary token may not be empty or hold a tab or a newline");
        add(token, count);
        return int(tokens_.size()) - 1;
    }
    // Are this vocabulary's tokens the first ones of `other`, in the same order?
    bool is_prefix_of(const Vocabulary& other) const {
        return tokens_.size() <= other.tokens_.size() &&
               std::equal(tokens_.begin(), tokens_.end(), other.tokens_.begin());
    }

    size_t size() const { return tokens_.size(); }
    bool contains(const std::string& token) const { return ids_.count(token) != 0; }
    bool has_unknown() const { return contains(kUnknown); }
    const std::vector<std::string>& tokens() const { return tokens_; }
    int64_t count(int id) const { return counts_.at(size_t(id)); }

    // Id of a token; an unknown token maps to <unk> when there is one, else
    // throws VocabularyError naming it.
    int encode(const std::string& token) const {
        auto it = ids_.find(token);
        if (it != ids_.end()) return it->second;
        auto unk = ids_.find(kUnknown);
        if (unk != ids_.end()) return unk->second;
        throw VocabularyError("token \"" + token + "\" is not in the vocabulary (" +
                              std::to_string(size()) + " tokens, no " + kUnknown +
                              "): the model's vocabulary and the data disagree");
    }

    std::vector<int> encode(const std::vector<std::string>& tokens) const {
        std::vector<int> ids;
        ids.reserve(tokens.size());
        for (const auto& t : tokens) ids.push_back(encode(t));
        return ids;
    }

    const std::string& decode(int id) const {
        if (id < 0 || size_t(id) >= tokens_.size())
            throw VocabularyError("id " + std::to_string(id) + " is outside the vocabulary (0.." +
                                  std::to_string(int64_t(tokens_.size()) - 1) + ")");
        return tokens_[size_t(id)];
    }

    std::vector<std::string> decode(const std::vector<int>& ids) const {
        std::vector<std::string> out;
        out.reserve(ids.size());
        for (int id : ids) out.push_back(decode(id));
        return out;
    }

    // Text blob: the magic line, the token count, then one "count<TAB>token"
    // line per id in order. Tokens may not contain tabs or newlines.
    std::string serialize() const {
        std::string out = std::string(kMagic) + "\n" + std::to_string(size()) + "\n";
        for (size_t i = 0; i < tokens_.size(); ++i)
            out += std::to_string(counts_[i]) + "\t" + tokens_[i] + "\n";
        return out;
    }

    static Vocabulary parse(const std::string& blob) {
        std::istringstream in(blob);
        std::string line;
        auto fail = [](size_t line_no, const std::string& why) {
            throw VocabularyError("vocabulary blob, line " + std::to_string(line_no) + ": " + why);
        };
        if (!std::getline(in, line) || line != kMagic)
            fail(1, std::string("expected \"") + kMagic + "\"");
        if (!std::getline(in, line)) fail(2, "expected the token count");
        size_t expected = 0;
        if (!whole_number(line, expected)) fail(2, "token count is not a number: \"" + line + "\"");
        Vocabulary v;
        size_t line_no = 2;
        while (std::getline(in, line)) {
            ++line_no;
            const size_t tab = line.find('\t');
            if (tab == std::string::npos) fail(line_no, "expected count<TAB>token");
            int64_t count = 0;
            if (!whole_number(line.substr(0, tab), count)) fail(line_no, "count is not a number");
            const std::string token = line.substr(tab + 1);
            if (token.empty()) fail(line_no, "empty token");
            if (v.contains(token)) fail(line_no, "token \"" + token + "\" appears twice");
            v.add(token, count);
        }
        if (v.size() != expected)
            fail(line_no, "expected " + std::to_string(expected) + " tokens, found " +
                              std::to_string(v.size()));
        return v;
    }

    // Tokens with their counts, most frequent first (ties by token).
    std::vector<std::pair<std::string, int64_t>> by_frequency() const {
        std::vector<std::pair<std::string, int64_t>> out;
        for (size_t i = 0; i < tokens_.size(); ++i) out.push_back({tokens_[i], counts_[i]});
        std::stable_sort(out.begin(), out.end(),
                         [](const auto& a, const auto& b) { return a.second > b.second; });
        return out;
    }

    bool operator==(const Vocabulary& other) const {
        return tokens_ == other.tokens_ && counts_ == other.counts_;
    }

private:
    // All of `text` as a decimal number that fits `value`.
    template <class Int>
    static bool whole_number(const std::string& text, Int& value) {
        const char* end = text.data() + text.size();
        const auto [ptr, error] = std::from_chars(text.data(), end, value);
        return error == std::errc() && ptr == end && !text.empty();
    }

    void add(const std::string& token, int64_t count) {
        ids_[token] = int(tokens_.size());
        tokens_.push_back(token);
        counts_.push_back(count);
    }

    std::vector<std::string> tokens_;
    std::vector<int64_t> counts_;
    std::unordered_map<std::string, int> ids_;
};

}  // namespace cadenza::music
