// tests/style/house_rules.cpp: the shape rules of docs/architecture.md, checked on the source tree.
//
//   house-rules SOURCE_DIR
//
// 1. No header over 500 lines and no function over 120 lines in include/,
//    cuda/ and examples/ (data tables, files named *_table.hpp, aside).
// 2. Folder and namespace agree: a header under include/cadenza/<folder>/
//    opens `namespace cadenza::<folder>` (the core folders, whose types are
//    the library's own vocabulary, open `namespace cadenza`).
// Prints one line per breach (file:line: what) and exits 1 when there is any.
//
// Functions are found by a small scanner, not a compiler: comments, strings
// and preprocessor lines are blanked; a `{` opens a function body when the
// text before it ends in a parameter list `)` (with qualifiers such as const,
// override, noexcept, or a constructor's initializer list) whose `(` does not
// follow if/for/while/switch/catch, and it is not inside another function.
// Its length counts from the line holding the signature's `(` to the closing `}`.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

constexpr int kMaxHeaderLines = 500;
constexpr int kMaxFunctionLines = 120;

std::string read_text(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Comments, string and character literals and preprocessor lines become
// spaces; newlines stay, so offsets keep their line numbers.
std::string blank_non_code(const std::string& text) {
    std::string out = text;
    size_t i = 0;
    const size_t n = text.size();
    bool line_start = true;
    auto blank = [&](size_t from, size_t to) {
        for (size_t k = from; k < to && k < n; ++k)
            if (out[k] != '\n') out[k] = ' ';
    };
    while (i < n) {
        const char c = text[i];
        if (line_start) {
            size_t j = i;
            while (j < n && (text[j] == ' ' || text[j] == '\t')) ++j;
            if (j < n && text[j] == '#') {  // a directive, with its continuation lines
                size_t end = j;
                while (end < n && !(text[end] == '\n' && text[end - 1] != '\\')) ++end;
                blank(i, end);
                i = end;
                continue;
            }
        }
        line_start = false;
        if (c == '\n') {
            line_start = true;
            ++i;
        } else if (c == '/' && i + 1 < n && text[i + 1] == '/') {
            size_t end = text.find('\n', i);
            if (end == std::string::npos) end = n;
            blank(i, end);
            i = end;
        } else if (c == '/' && i + 1 < n && text[i + 1] == '*') {
            size_t end = text.find("*/", i + 2);
            end = end == std::string::npos ? n : end + 2;
            blank(i, end);
            i = end;
        } else if (c == 'R' && i + 1 < n && text[i + 1] == '"' &&
                   (i == 0 || !(std::isalnum(static_cast<unsigned char>(text[i - 1])) ||
                                text[i - 1] == '_'))) {
            const size_t open = text.find('(', i + 2);
            const std::string delimiter = ")" + text.substr(i + 2, open - i - 2) + "\"";
            size_t end = text.find(delimiter, open);
            end = end == std::string::npos ? n : end + delimiter.size();
            blank(i + 1, end);
            i = end;
        } else if (c == '"' ||
                   (c == '\'' &&
                    !(i > 0 && std::isxdigit(static_cast<unsigned char>(text[i - 1]))))) {
            size_t j = i + 1;
            while (j < n && text[j] != c && text[j] != '\n') j += text[j] == '\\' ? 2 : 1;
            blank(i + 1, j);
            i = j + 1;
        } else {
            ++i;
        }
    }
    return out;
}

int line_of(const std::string& text, size_t offset) {
    return 1 + int(std::count(text.begin(), text.begin() + long(offset), '\n'));
}

// The word that ends just before `pos` (skipping spaces), or "".
std::string word_before(const std::string& code, size_t pos) {
    size_t j = pos;
    while (j > 0 && std::isspace(static_cast<unsigned char>(code[j - 1]))) --j;
    size_t end = j;
    while (j > 0 && (std::isalnum(static_cast<unsigned char>(code[j - 1])) || code[j - 1] == '_'))
        --j;
    return code.substr(j, end - j);
}

size_t skip_space_back(const std::string& code, size_t pos) {
    while (pos > 0 && std::isspace(static_cast<unsigned char>(code[pos - 1]))) --pos;
    return pos;
}

// The offset of the `(` matching the `)` at `close`, or npos.
size_t matching_open(const std::string& code, size_t close) {
    int depth = 0;
    for (size_t k = close + 1; k-- > 0;) {
        if (code[k] == ')') ++depth;
        else if (code[k] == '(' && --depth == 0) return k;
    }
    return std::string::npos;
}

// Where the signature of the body opening at `brace` begins (the `(` of its
// parameter list), or npos when the brace does not open a function body.
size_t function_signature(const std::string& code, size_t brace) {
    static const std::set<std::string> qualifiers = {"const",   "override", "final", "noexcept",
                                                     "mutable", "volatile", "try"};
    static const std::set<std::string> control = {"if",      "for",    "while",  "switch",
                                                  "catch",   "return", "sizeof", "decltype",
                                                  "alignof", "defined"};
    size_t j = skip_space_back(code, brace);
    // Qualifiers between `)` and `{`; a trailing return type `-> T` too.
    for (;;) {
        const std::string w = word_before(code, j);
        if (!w.empty() && qualifiers.count(w)) {
            j = skip_space_back(code, j - w.size() - (j - skip_space_back(code, j)));
            j = skip_space_back(code, j);
            continue;
        }
        break;
    }
    j = skip_space_back(code, j);
    if (j == 0 || code[j - 1] != ')') return std::string::npos;
    size_t open = matching_open(code, j - 1);
    // A constructor's initializer list: `) : a_(x), b_(y) {` -- walk back
    // over `name(args)` / `name{args}` items to the `:`.
    for (;;) {
        if (open == std::string::npos) return std::string::npos;
        const std::string w = word_before(code, open);
        size_t before_word = skip_space_back(code, skip_space_back(code, open) - w.size());
        if (!w.empty() && before_word > 0 &&
            (code[before_word - 1] == ',' || code[before_word - 1] == ':') &&
            !(before_word > 1 && code[before_word - 1] == ':' && code[before_word - 2] == ':')) {
            // an initializer item; find the `)` of the parameter list before the `:`
            size_t k = before_word - 1;
            while (k > 0 && code[k] != ':') {
                if (code[k] == ')') {
                    const size_t o = matching_open(code, k);
                    if (o == std::string::npos) return std::string::npos;
                    k = o;
                }
                --k;
            }
            const size_t close = skip_space_back(code, k);
            if (close == 0 || code[close - 1] != ')') return std::string::npos;
            open = matching_open(code, close - 1);
            continue;
        }
        if (control.count(w)) return std::string::npos;
        if (w.empty()) {
            // `](...)`: a lambda; `operator()(...)`: an operator.
            const size_t k = skip_space_back(code, open);
            if (k > 0 && code[k - 1] == ']') return std::string::npos;
            if (k > 0 && code[k - 1] == ')') return open;  // operator()(...)
            return std::string::npos;
        }
        return open;
    }
}

struct Breach {
    std::string where;
    std::string what;
};

void check_functions(const fs::path& file, const std::string& shown, const std::string& text,
                     std::vector<Breach>& out) {
    const std::string code = blank_non_code(text);
    // Brace stack: true where a function body opened.
    std::vector<bool> stack;
    std::vector<size_t> starts;
    int inside_function = 0;
    for (size_t i = 0; i < code.size(); ++i) {
        if (code[i] == '{') {
            bool is_function = false;
            size_t signature = std::string::npos;
            if (inside_function == 0) {
                signature = function_signature(code, i);
                is_function = signature != std::string::npos;
            }
            stack.push_back(is_function);
            starts.push_back(is_function ? signature : i);
            inside_function += is_function;
        } else if (code[i] == '}') {
            if (stack.empty()) continue;
            if (stack.back()) {
                --inside_function;
                const int first = line_of(code, starts.back()), last = line_of(code, i);
                const int lines = last - first + 1;
                if (lines > kMaxFunctionLines) {
                    // The function's name: the word before its `(`.
                    const std::string name = word_before(code, starts.back());
                    out.push_back({shown + ":" + std::to_string(first),
                                   "function " + (name.empty() ? std::string("operator") : name) +
                                       " is " + std::to_string(lines) + " lines (at most " +
                                       std::to_string(kMaxFunctionLines) + ")"});
                }
            }
            stack.pop_back();
            starts.pop_back();
        }
    }
    (void)file;
}

bool is_table(const fs::path& p) {
    const std::string name = p.filename().string();
    return name.size() > 10 && name.compare(name.size() - 10, 10, "_table.hpp") == 0;
}

// Folders of the core: their types are the library's vocabulary (Tensor,
// Lstm, Adam, Sequential) and live in `cadenza` itself.
const std::set<std::string> core_folders = {"core", "backend", "layers", "loss", "optim", "model"};

void check_namespace(const std::string& shown, const std::string& folder, const std::string& text,
                     std::vector<Breach>& out) {
    const std::string code = blank_non_code(text);
    const std::string expected = core_folders.count(folder) ? "cadenza" : "cadenza::" + folder;
    size_t pos = 0;
    while ((pos = code.find("namespace", pos)) != std::string::npos) {
        const bool word_start =
            pos == 0 ||
            !(std::isalnum(static_cast<unsigned char>(code[pos - 1])) || code[pos - 1] == '_');
        size_t k = pos + 9;
        pos = k;
        if (!word_start) continue;
        while (k < code.size() && std::isspace(static_cast<unsigned char>(code[k]))) ++k;
        size_t end = k;
        while (end < code.size() && (std::isalnum(static_cast<unsigned char>(code[end])) ||
                                     code[end] == '_' || code[end] == ':'))
            ++end;
        const std::string name = code.substr(k, end - k);
        if (name.empty() || name.rfind("cadenza", 0) != 0)
            continue;  // an anonymous or foreign namespace
        if (name != expected && name.rfind(expected + "::", 0) != 0)
            out.push_back(
                {shown + ":" + std::to_string(line_of(code, k)),
                 "opens namespace " + name + "; files of " + folder + "/ belong to " + expected});
        return;  // the first cadenza namespace decides
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: house-rules SOURCE_DIR\n");
        return 2;
    }
    const fs::path root = argv[1];
    std::vector<Breach> breaches;
    size_t files = 0;
    for (const char* top : {"include", "cuda", "examples"}) {
        std::vector<fs::path> paths;
        for (const auto& entry : fs::recursive_directory_iterator(root / top)) {
            const std::string ext = entry.path().extension().string();
            if (entry.is_regular_file() &&
                (ext == ".hpp" || ext == ".cpp" || ext == ".cu" || ext == ".cuh" || ext == ".h"))
                paths.push_back(entry.path());
        }
        std::sort(paths.begin(), paths.end());
        for (const auto& p : paths) {
            ++files;
            const std::string shown = fs::relative(p, root).string();
            const std::string text = read_text(p);
            const int lines = int(std::count(text.begin(), text.end(), '\n'));
            const bool header =
                p.extension() == ".hpp" || p.extension() == ".cuh" || p.extension() == ".h";
            if (is_table(p)) continue;
            if (header && lines > kMaxHeaderLines)
                breaches.push_back({shown, "header is " + std::to_string(lines) +
                                               " lines (at most " +
                                               std::to_string(kMaxHeaderLines) + ")"});
            check_functions(p, shown, text, breaches);
            // include/cadenza/<folder>/x.hpp and cuda/include/cadenza/<folder>/x.hpp
            const fs::path rel = fs::relative(p, root);
            std::vector<std::string> parts;
            for (const auto& part : rel) parts.push_back(part.string());
            for (size_t i = 0; i + 2 < parts.size(); ++i)
                if (parts[i] == "include" && parts[i + 1] == "cadenza" && i + 3 < parts.size())
                    check_namespace(shown, parts[i + 2], text, breaches);
        }
    }
    for (const auto& b : breaches) std::printf("%s: %s\n", b.where.c_str(), b.what.c_str());
    std::printf("house-rules: %zu files, %zu breach%s\n", files, breaches.size(),
                breaches.size() == 1 ? "" : "es");
    return breaches.empty() ? 0 : 1;
}
