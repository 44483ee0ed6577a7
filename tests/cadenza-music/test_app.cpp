// Tests for the application's library (examples/cadenza-music/lib): settings
// and their enums survive a checkpoint's text, history.csv parses with gaps,
// sampling is keyed by seed and index, base64 is RFC 4648, external tools run
// without a shell, and a diverging loss is a typed error.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "cadenza/cadenza.hpp"
#include "generation.hpp"
#include "history.hpp"
#include "models.hpp"
#include "report/html_page.hpp"
#include "report/tools.hpp"
#include "settings.hpp"

using namespace cadenza;
using namespace cadenza::app;
using Catch::Matchers::Contains;

TEST_CASE("settings survive their text, enums by name", "[app]") {
    Settings s;
    s.model = ModelKind::stream;
    s.split = SplitKind::windows;
    s.lr = 0.1 + 0.2;  // not exact in decimal: needs all 17 digits
    s.seed = 18446744073709551615ull;
    s.corpus = "/tmp/a corpus/with spaces.corpus";
    const Settings back = Settings::parse(s.serialize(), "test");
    CHECK(back.model == ModelKind::stream);
    CHECK(back.split == SplitKind::windows);
    CHECK(back.lr == s.lr);
    CHECK(back.seed == s.seed);
    CHECK(back.corpus == s.corpus);
    CHECK(back.lstm_units() == 256);
    CHECK(std::string(model_name(ModelKind::paper)) == "paper");
    CHECK(parse_split("songs", "x") == SplitKind::songs);
    CHECK_THROWS_WITH(parse_model("gru", "f.ckpt (settings)"),
                      Contains("f.ckpt (settings)") && Contains("'gru'"));
    CHECK_THROWS_AS(Settings::parse("model lstm\n", "f.ckpt"), Error);
    CHECK_THROWS_WITH(Settings::parse("epochs many\n", "f.ckpt"), Contains("epochs"));
}

TEST_CASE("settings: the stream model's cell, LSTM for files written before it", "[app]") {
    Settings s;
    s.model = ModelKind::stream;
    s.cell = Settings::Cell::gru;
    CHECK(Settings::parse(s.serialize(), "test").cell == Settings::Cell::gru);
    CHECK(Settings::parse("model stream\n", "old.ckpt").cell == Settings::Cell::lstm);
    CHECK_THROWS_WITH(Settings::parse("model stream\ncell rnn\n", "f.ckpt (settings)"),
                      Contains("f.ckpt (settings)") && Contains("cell='rnn'"));
    CHECK_THROWS_WITH(Settings::parse("model paper\ncell gru\n", "f.ckpt"), Contains("needs the stream model"));
    auto m = build_model(s, 20, std::make_shared<ReferenceBackend<float>>());
    CHECK(m->layer(1).kind() == "GRU");
    CHECK(m->layer(2).kind() == "GRU");
}

TEST_CASE("history.csv: every column, and a missing validation as a gap", "[app]") {
    const std::string csv = std::string(history_header()) +
                            "1,4.5,0.1,0.2,nan,nan,nan,1.0\n"
                            "2,4.0,0.2,0.3,4.2,0.15,0.25,1.1\n";
    const History h = parse_history(csv);
    REQUIRE(h.epoch.size() == 2);
    CHECK(h.loss[1] == 4.0);
    CHECK(h.accuracy[0] == 0.1);
    CHECK(std::isnan(h.val_loss[0]));
    CHECK(h.val_accuracy[1] == 0.15);
    CHECK_THAT(loss_chart(h), Contains("<svg"));
}

TEST_CASE("sampling: argmax without options, the same draw for the same seed and index", "[app]") {
    const float z[5] = {0.1f, 2.0f, 1.9f, -1.0f, 0.5f};
    SamplingOptions argmax;
    CHECK(choose_token(z, 5, argmax, 0) == 1);
    SamplingOptions hot;
    hot.temperature = 5.0;
    hot.seed = 9;
    CHECK(choose_token(z, 5, hot, 17) == choose_token(z, 5, hot, 17));
    int differs = 0;
    for (uint64_t i = 0; i < 64; ++i)
        differs += choose_token(z, 5, hot, i) != choose_token(z, 5, hot, 0);
    CHECK(differs > 0);  // the index keys the draw
    SamplingOptions top1;
    top1.temperature = 1.0;
    top1.top_k = 1;
    for (uint64_t i = 0; i < 16; ++i) CHECK(choose_token(z, 5, top1, i) == 1);
    SamplingOptions nucleus;
    nucleus.temperature = 1.0;
    nucleus.top_p = 0.5;  // 2.0 and 1.9 hold most of the mass: only they
    for (uint64_t i = 0; i < 64; ++i) {
        const int t = choose_token(z, 5, nucleus, i);
        CHECK((t == 1 || t == 2));
    }
}

TEST_CASE("base64 is RFC 4648's, with padding", "[app]") {
    CHECK(base64("") == "");
    CHECK(base64("f") == "Zg==");
    CHECK(base64("fo") == "Zm8=");
    CHECK(base64("foo") == "Zm9v");
    CHECK(base64("foobar") == "Zm9vYmFy");
    CHECK(base64(std::string("\xff\x00\x80", 3)) == "/wCA");
}

TEST_CASE("tools run without a shell: file names are arguments, never parsed", "[app]") {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / "cadenza tools test";
    fs::create_directories(dir);
    const fs::path odd = dir / "it's $(not) a `command`; \"really\".txt";
    const fs::path log = dir / "log.txt";
    REQUIRE(have_tool("touch"));
    CHECK_FALSE(have_tool("cadenza-no-such-tool"));
    CHECK(run_tool({"touch", odd.string()}, log.string()));
    CHECK(fs::exists(odd));
    // The working folder and a failing tool with its message in the log.
    CHECK_FALSE(run_tool({"ls", "no such file"}, log.string(), dir.string()));
    CHECK_THAT(last_line(log.string()), Contains("no such file"));
    CHECK(move_into_place(odd, dir / "moved.txt") == false);  // empty: not a finished product
    std::ofstream(dir / "product.txt") << "done\n";
    CHECK(move_into_place(dir / "product.txt", dir / "moved.txt"));
    CHECK(fs::exists(dir / "moved.txt"));
    fs::remove_all(dir);
}

TEST_CASE("a diverging loss is a DivergedError, before the weights change", "[app]") {
    Sequential<double> model(std::make_shared<ReferenceBackend<double>>());
    model.add<Dense<double>>(3);
    model.build({2}, 1);
    Tensor<double> x({1, 2});
    x[0] = std::nan("");
    x[1] = 1.0;
    const int32_t target = 0;
    const std::vector<double> before(model.parameters().data(),
                                     model.parameters().data() + model.parameter_count());
    CHECK_THROWS_AS(model.train_batch(x, &target), DivergedError);
    const std::vector<double> after(model.parameters().data(),
                                    model.parameters().data() + model.parameter_count());
    CHECK(before == after);
}
