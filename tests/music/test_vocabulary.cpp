// Tests for vocabulary.hpp: paper-order ids, folding rare tokens into <unk>,
// errors that name the token, and the text blob round trip.
#include <catch2/catch.hpp>

#include <cadenza/music/vocabulary.hpp>

using cadenza::music::Vocabulary;
using cadenza::music::VocabularyError;

TEST_CASE("ids follow Python's sorted(set(notes))", "[vocabulary]") {
    const auto v = Vocabulary::build({{"E-4", "C4", "4.9", "C4"}, {"rest_1.0", "B-3", "C4"}});
    REQUIRE(v.size() == 5);
    CHECK(v.tokens() == std::vector<std::string>{"4.9", "B-3", "C4", "E-4", "rest_1.0"});
    CHECK(v.encode("4.9") == 0);
    CHECK(v.encode("C4") == 2);
    CHECK(v.count(2) == 3);
    CHECK(v.decode(3) == "E-4");
    CHECK(v.decode(v.encode(std::vector<std::string>{"C4", "B-3"})) ==
          std::vector<std::string>{"C4", "B-3"});
    CHECK_FALSE(v.has_unknown());
}

TEST_CASE("unknown tokens are named in the error", "[vocabulary]") {
    const auto v = Vocabulary::build({{"C4", "D4"}});
    CHECK_THROWS_AS(v.encode("F#5"), VocabularyError);
    CHECK_THROWS_WITH(v.encode("F#5"), Catch::Contains("F#5"));
    CHECK_THROWS_WITH(v.decode(7), Catch::Contains("7"));
    CHECK_THROWS_AS(v.decode(-1), VocabularyError);
}

TEST_CASE("min count folds rare tokens into <unk>", "[vocabulary]") {
    const auto v = Vocabulary::build({{"C4", "C4", "D4", "E4", "C4", "D4"}}, 2);
    CHECK(v.tokens() == std::vector<std::string>{"<unk>", "C4", "D4"});
    CHECK(v.count(0) == 1);
    CHECK(v.encode("E4") == 0);
    CHECK(v.encode("never-seen") == 0);
    CHECK(v.encode("D4") == 2);
}

TEST_CASE("serialization round trip and clear parse errors", "[vocabulary]") {
    const auto v = Vocabulary::build({{"C4", "0.4.7", "rest_1/3", "C4"}}, 1);
    const std::string blob = v.serialize();
    CHECK(blob.rfind("cadenza-vocabulary 1\n3\n", 0) == 0);
    const auto back = Vocabulary::parse(blob);
    CHECK(back == v);
    CHECK(back.encode("rest_1/3") == v.encode("rest_1/3"));
    CHECK_THROWS_WITH(Vocabulary::parse("nonsense\n"), Catch::Contains("line 1"));
    CHECK_THROWS_WITH(Vocabulary::parse("cadenza-vocabulary 1\nx\n"), Catch::Contains("line 2"));
    CHECK_THROWS_WITH(Vocabulary::parse("cadenza-vocabulary 1\n2\n1\tC4\n"),
                      Catch::Contains("expected 2"));
    CHECK_THROWS_WITH(Vocabulary::parse("cadenza-vocabulary 1\n2\n1\tC4\n2\tC4\n"),
                      Catch::Contains("twice"));
    CHECK_THROWS_WITH(Vocabulary::parse("cadenza-vocabulary 1\n1\nC4\n"),
                      Catch::Contains("line 3"));
}
