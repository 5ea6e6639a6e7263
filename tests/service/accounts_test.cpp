// wangge::service::Accounts on both real stores, with the clock in the test's hands: passwords and
// lockout with back-off, reset and disable ending sessions, session expiry, one-time codes
// (resend interval, hourly cap, attempts, expiry, single use) and the first sign-in of a
// resident creating one account per phone.
#include <gtest/gtest.h>

#include "../store/store_fixture.hpp"
#include "wangge/service/accounts.hpp"
#include "wangge/util/sha256.hpp"

namespace wangge::service {
namespace {

using namespace std::chrono_literals;
using store_testing::StoreLocation;

class AccountsTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    where_ = store_testing::make_location(GetParam());
    store_ = store::open_store(where_->location());
    AccountPolicy policy;
    policy.free_failures = 3;
    accounts_ = std::make_unique<Accounts>(store_->accounts(), actor_of, policy);
    accounts_->set_sender([this](const CodeMessage& m) { sent_.emplace_back(m.phone, m.text); });
  }
  void TearDown() override {
    accounts_.reset();
    store_.reset();
    where_.reset();
  }

  /// The organisation as the test has it: d01 a dispatcher, residents as themselves.
  static dispatch::Actor actor_of(const std::string& spec) {
    if (spec == "d01") return dispatch::Actor{"d01", "周派遣", dispatch::Role::dispatcher, {}, {}};
    if (spec == "s01") return dispatch::Actor{"s01", "吴督办", dispatch::Role::supervisor, {}, {}};
    if (spec.starts_with("resident:"))
      return dispatch::Actor{spec, "resident", dispatch::Role::resident, {}, {}};
    throw Error(ErrorCode::forbidden, "'" + spec + "' is not a member of staff");
  }

  /// The six digits of the last message sent.
  std::string last_code() const {
    const std::string& text = sent_.back().second;
    const auto at = text.find_first_of("0123456789");
    return text.substr(at, 6);
  }

  const dispatch::Instant t0 =
      *dispatch::parse_iso("2026-12-01T09:00:00+08:00", dispatch::TimeZone{"CST", 8h});
  std::unique_ptr<StoreLocation> where_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Accounts> accounts_;
  std::vector<std::pair<std::string, std::string>> sent_;
};

TEST_P(AccountsTest, APasswordSignsInToASessionThatResolvesToThePersonUntilItExpires) {
  const std::string pw = accounts_->add_staff("zhou", "d01", "", t0);
  EXPECT_EQ(pw.size(), 16u);
  const store::Account stored = *store_->accounts().account("zhou");
  EXPECT_TRUE(stored.password_hash.starts_with("$argon2id$")) << stored.password_hash;
  EXPECT_EQ(stored.password_hash.find(pw), std::string::npos);

  const SignIn s = accounts_->sign_in("zhou", pw, t0);
  ASSERT_EQ(s.outcome, SignIn::Outcome::ok);
  EXPECT_TRUE(Accounts::looks_like_session_token(s.token));
  EXPECT_EQ(s.expires_at, t0 + 12h);
  const auto live = accounts_->session(s.token, t0 + 11h);
  ASSERT_TRUE(live);
  EXPECT_EQ(live->actor.id, "d01");
  EXPECT_EQ(live->actor.role, dispatch::Role::dispatcher);
  EXPECT_EQ(live->csrf, s.csrf);
  EXPECT_FALSE(accounts_->session(s.token, t0 + 12h)) << "a session ends at its expiry";
  EXPECT_FALSE(accounts_->session("ws_" + std::string(43, 'A'), t0)) << "a forged token";
  EXPECT_FALSE(accounts_->session(s.token.substr(0, 45) + "x", t0));

  EXPECT_EQ(accounts_->sign_in("zhou", pw + "x", t0).outcome, SignIn::Outcome::refused);
  EXPECT_EQ(accounts_->sign_in("nobody", pw, t0).outcome, SignIn::Outcome::refused);
  EXPECT_EQ(accounts_->sign_in("zhou", "", t0).outcome, SignIn::Outcome::refused);
}

TEST_P(AccountsTest, LoginsAndPasswordsBreakingTheRulesAreRefusedByName) {
  auto refused = [&](const std::string& login, const std::string& staff, const std::string& pw,
                     const std::string& words) {
    try {
      accounts_->add_staff(login, staff, pw, t0);
      ADD_FAILURE() << login << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_argument) << e.what();
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
  };
  refused("Zhou", "d01", "", "login 'Zhou'");
  refused("z", "d01", "", "2 to 64");
  refused("zhou wei", "d01", "", "a-z");
  refused("tel:13800138000", "d01", "", "login");
  refused("zhou", "nobody", "", "organisation");
  refused("zhou", "resident:x", "", "not a member of staff");
  refused("zhou", "d01", "short", "10 to 128 bytes");
  refused("zhou", "d01", std::string(129, 'k') + "q", "10 to 128 bytes");
  refused("zhou", "d01", "my-zhou-password", "must not contain the login");
  refused("zhou", "d01", "aaaaaaaaaaaa", "repeat");
  accounts_->add_staff("zhou", "d01", "正确的密码-2026", t0);
  try {
    accounts_->add_staff("zhou", "s01", "", t0);
    ADD_FAILURE() << "a login was taken twice";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::conflict);
  }
}

TEST_P(AccountsTest, FailuresLockWithADoublingBackOffAndTheRightPasswordWaitsItOut) {
  const std::string pw = accounts_->add_staff("zhou", "d01", "", t0);
  for (int i = 0; i < 2; ++i)
    EXPECT_EQ(accounts_->sign_in("zhou", "wrong-password", t0).outcome, SignIn::Outcome::refused);
  EXPECT_EQ(accounts_->sign_in("zhou", "wrong-password", t0).outcome, SignIn::Outcome::refused);
  SignIn s = accounts_->sign_in("zhou", pw, t0 + 1s);
  EXPECT_EQ(s.outcome, SignIn::Outcome::locked) << "the third failure locks, even the right one";
  EXPECT_EQ(s.retry_after, 59s);
  EXPECT_EQ(accounts_->sign_in("zhou", "wrong-password", t0 + 60s).outcome,
            SignIn::Outcome::refused);
  s = accounts_->sign_in("zhou", pw, t0 + 61s);
  EXPECT_EQ(s.outcome, SignIn::Outcome::locked);
  EXPECT_EQ(s.retry_after, 119s) << "the fourth failure doubles the lock";
  EXPECT_EQ(accounts_->sign_in("zhou", pw, t0 + 180s).outcome, SignIn::Outcome::ok);
  const store::Account a = *store_->accounts().account("zhou");
  EXPECT_EQ(a.failures, 0) << "a good sign-in clears the count";
  EXPECT_EQ(a.locked_until, dispatch::Instant{});
}

TEST_P(AccountsTest, ResetDisableAndPasswordChangeEndSessionsAndCountAsRevocations) {
  const std::string pw = accounts_->add_staff("zhou", "d01", "", t0);
  const SignIn a = accounts_->sign_in("zhou", pw, t0);
  const SignIn b = accounts_->sign_in("zhou", pw, t0);
  for (int i = 0; i < 4; ++i) accounts_->sign_in("zhou", "wrong-password", t0);
  const auto before = accounts_->revocations();

  const std::string fresh = accounts_->reset_password("zhou", t0 + 1s);
  EXPECT_GT(accounts_->revocations(), before);
  EXPECT_FALSE(accounts_->session(a.token, t0 + 2s));
  EXPECT_FALSE(accounts_->session(b.token, t0 + 2s));
  EXPECT_EQ(accounts_->sign_in("zhou", pw, t0 + 2s).outcome, SignIn::Outcome::refused);
  const SignIn c = accounts_->sign_in("zhou", fresh, t0 + 2s);
  ASSERT_EQ(c.outcome, SignIn::Outcome::ok) << "the reset unlocks";

  accounts_->set_disabled("zhou", true, t0 + 3s);
  EXPECT_FALSE(accounts_->session(c.token, t0 + 4s));
  EXPECT_EQ(accounts_->sign_in("zhou", fresh, t0 + 4s).outcome, SignIn::Outcome::refused);
  accounts_->set_disabled("zhou", false, t0 + 5s);
  const SignIn d = accounts_->sign_in("zhou", fresh, t0 + 6s);
  const SignIn e = accounts_->sign_in("zhou", fresh, t0 + 6s);
  ASSERT_EQ(e.outcome, SignIn::Outcome::ok);

  const auto info = accounts_->session(d.token, t0 + 7s);
  ASSERT_TRUE(info);
  EXPECT_THROW(
      accounts_->change_password("zhou", "not-it-at-all", "另一个新密码-123", info->hash, t0 + 7s),
      Error);
  accounts_->change_password("zhou", fresh, "另一个新密码-123", info->hash, t0 + 8s);
  EXPECT_TRUE(accounts_->session(d.token, t0 + 9s)) << "the session that changed it goes on";
  EXPECT_FALSE(accounts_->session(e.token, t0 + 9s)) << "the others end";
  EXPECT_EQ(accounts_->sign_in("zhou", "另一个新密码-123", t0 + 9s).outcome, SignIn::Outcome::ok);

  accounts_->sign_out(d.token);
  EXPECT_FALSE(accounts_->session(d.token, t0 + 10s));
  EXPECT_THROW(accounts_->reset_password("nobody", t0), Error);
  EXPECT_THROW(accounts_->set_disabled("nobody", true, t0), Error);
}

TEST_P(AccountsTest, AOneTimeCodeSignsAResidentInOnceAndTheSamePhoneIsTheSamePerson) {
  const CodeRequest r = accounts_->send_code("+86 138-0013-8000", t0);
  ASSERT_TRUE(r.sent);
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0].first, "13800138000");
  EXPECT_NE(sent_[0].second.find("验证码"), std::string::npos);
  const std::string code = last_code();

  EXPECT_EQ(accounts_->sign_in_with_code("13800138000", code == "000000" ? "111111" : "000000", t0)
                .outcome,
            SignIn::Outcome::refused);
  const SignIn s = accounts_->sign_in_with_code("138 0013 8000", code, t0 + 10s);
  ASSERT_EQ(s.outcome, SignIn::Outcome::ok);
  EXPECT_EQ(s.actor.role, dispatch::Role::resident);
  EXPECT_EQ(s.expires_at, t0 + 10s + 30 * 24h);
  EXPECT_EQ(accounts_->sign_in_with_code("13800138000", code, t0 + 11s).outcome,
            SignIn::Outcome::refused)
      << "a code signs in once";

  ASSERT_TRUE(accounts_->send_code("13800138000", t0 + 2min).sent);
  const SignIn again = accounts_->sign_in_with_code("13800138000", last_code(), t0 + 2min);
  ASSERT_EQ(again.outcome, SignIn::Outcome::ok);
  EXPECT_EQ(again.actor.id, s.actor.id) << "one phone, one resident";

  ASSERT_TRUE(accounts_->send_code("13900139000", t0).sent);
  const SignIn other = accounts_->sign_in_with_code("13900139000", last_code(), t0);
  ASSERT_EQ(other.outcome, SignIn::Outcome::ok);
  EXPECT_NE(other.actor.id, s.actor.id);
}

TEST_P(AccountsTest, CodesAreRationedPerPhoneAndDieOfAgeOrOfWrongGuesses) {
  ASSERT_TRUE(accounts_->send_code("13800138000", t0).sent);
  CodeRequest soon = accounts_->send_code("13800138000", t0 + 20s);
  EXPECT_FALSE(soon.sent);
  EXPECT_EQ(soon.retry_after, 40s);
  EXPECT_EQ(sent_.size(), 1u);

  // Five wrong guesses spend the code: the right one is refused after them.
  const std::string code = last_code();
  const std::string wrong = code == "000000" ? "111111" : "000000";
  for (int i = 0; i < 5; ++i) accounts_->sign_in_with_code("13800138000", wrong, t0 + 30s);
  EXPECT_EQ(accounts_->sign_in_with_code("13800138000", code, t0 + 31s).outcome,
            SignIn::Outcome::refused);

  // A code older than five minutes is refused.
  ASSERT_TRUE(accounts_->send_code("13800138000", t0 + 1min).sent);
  EXPECT_EQ(accounts_->sign_in_with_code("13800138000", last_code(), t0 + 6min + 1s).outcome,
            SignIn::Outcome::refused);

  // Five codes an hour: the sixth waits for the hour that began with the first.
  for (int i = 2; i < 5; ++i)
    ASSERT_TRUE(accounts_->send_code("13800138000", t0 + i * 2min).sent) << i;
  CodeRequest capped = accounts_->send_code("13800138000", t0 + 20min);
  EXPECT_FALSE(capped.sent);
  EXPECT_EQ(capped.retry_after, 40min);
  EXPECT_TRUE(accounts_->send_code("13800138000", t0 + 61min).sent);

  EXPECT_THROW(accounts_->send_code("(0731) 5555555", t0), Error) << "a landline gets no SMS";
  EXPECT_THROW(accounts_->send_code("1380013800", t0), Error);
  EXPECT_THROW(accounts_->sign_in_with_code("13800138000", "12345", t0), Error);
  EXPECT_THROW(accounts_->sign_in_with_code("13800138000", "12a456", t0), Error);
}

TEST_P(AccountsTest, UnknownLoginsLockLikeRealOnesAndAResetVoidsSessionsBeingMade) {
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(accounts_->sign_in("ghost", "wrong-password", t0).outcome, SignIn::Outcome::refused);
  const SignIn ghost = accounts_->sign_in("ghost", "wrong-password", t0 + 1s);
  EXPECT_EQ(ghost.outcome, SignIn::Outcome::locked);
  EXPECT_EQ(ghost.retry_after, 59s) << "the same lock a real login gets";

  // A sign-in that checked the old password just before a reset: its session (made at t0) is
  // void once the reset (t0 + 1 s) has happened, even though it was stored after it.
  const std::string pw = accounts_->add_staff("zhou", "d01", "", t0);
  accounts_->reset_password("zhou", t0 + 1s);
  store_->accounts().insert_session(store::SessionRecord{sha256_hex("ws_" + std::string(43, 'r')),
                                                         "zhou", "c", t0, t0 + 1h, false});
  EXPECT_FALSE(accounts_->session("ws_" + std::string(43, 'r'), t0 + 2s));
  (void)pw;
}

TEST_P(AccountsTest, CodesAreCappedPerAddressAndPerServer) {
  AccountPolicy policy;
  policy.codes_per_requester_hour = 2;
  policy.codes_per_node_hour = 3;
  Accounts capped(store_->accounts(), actor_of, policy);
  capped.set_sender([](const CodeMessage&) {});
  EXPECT_TRUE(capped.send_code("13800000001", t0, "10.0.0.1").sent);
  EXPECT_TRUE(capped.send_code("13800000002", t0, "10.0.0.1").sent);
  EXPECT_THROW(capped.send_code("13800000003", t0, "10.0.0.1"), Error) << "two an hour per address";
  EXPECT_TRUE(capped.send_code("13800000004", t0, "10.0.0.2").sent);
  EXPECT_THROW(capped.send_code("13800000005", t0, "10.0.0.3"), Error) << "three an hour in all";
  EXPECT_TRUE(capped.send_code("13800000005", t0 + 61min, "10.0.0.3").sent) << "a new hour";
}

TEST_P(AccountsTest, WithoutASenderCodesAreUnavailableNotLost) {
  Accounts bare(store_->accounts(), actor_of);
  try {
    bare.send_code("13800138000", t0);
    ADD_FAILURE() << "a code was 'sent' with no channel";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unavailable);
  }
}

TEST_P(AccountsTest, ACodeTheGatewayRefusedIsVoidAndMayBeAskedForAgainAtOnce) {
  Accounts flaky(store_->accounts(), actor_of);
  std::string lost;
  flaky.set_sender([&](const CodeMessage& m) {
    lost = m.code;
    EXPECT_EQ(m.minutes, 5);
    EXPECT_NE(m.text.find(m.code), std::string::npos);
    throw Error(ErrorCode::unavailable, "the SMS gateway is not reachable");
  });
  try {
    flaky.send_code("13800138000", t0);
    ADD_FAILURE() << "a refused code counted as sent";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unavailable);
  }
  ASSERT_EQ(lost.size(), 6u);
  EXPECT_EQ(flaky.sign_in_with_code("13800138000", lost, t0 + 1s).outcome, SignIn::Outcome::refused)
      << "the code that never left is void";
  // Asked again at once (no resend wait), through the working sender.
  ASSERT_TRUE(accounts_->send_code("13800138000", t0 + 2s).sent);
  EXPECT_EQ(accounts_->sign_in_with_code("13800138000", last_code(), t0 + 3s).outcome,
            SignIn::Outcome::ok);
}

INSTANTIATE_TEST_SUITE_P(Stores, AccountsTest, ::testing::Values("sqlite", "postgis"),
                         [](const auto& p) { return p.param; });

TEST(Secrets, HashesVerifyTokensAreRandomAndComparisonIsExact) {
  const std::string h = secret::hash_password("密码 with spaces");
  EXPECT_TRUE(secret::verify_password(h, "密码 with spaces"));
  EXPECT_FALSE(secret::verify_password(h, "密码 with space"));
  EXPECT_FALSE(secret::verify_password("not a hash", "x"));
  EXPECT_FALSE(secret::verify_password("", ""));
  EXPECT_NE(secret::hash_password("same"), secret::hash_password("same")) << "salted";
  const std::string t = secret::random_token(32);
  EXPECT_EQ(t.size(), 43u);
  EXPECT_NE(t, secret::random_token(32));
  EXPECT_EQ(t.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);
  const std::string d = secret::random_digits(6);
  EXPECT_EQ(d.size(), 6u);
  EXPECT_EQ(d.find_first_not_of("0123456789"), std::string::npos);
  EXPECT_TRUE(secret::equal("abc", "abc"));
  EXPECT_FALSE(secret::equal("abc", "abd"));
  EXPECT_FALSE(secret::equal("abc", "abcd"));
}

}  // namespace
}  // namespace wangge::service
