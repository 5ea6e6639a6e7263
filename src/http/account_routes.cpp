// Sign-in for people: sessions (staff by password, residents by one-time code) and the
// admin's account management. The rules live in wangge::service::Accounts; these handlers parse,
// call it and render (the session token only ever in an HttpOnly, SameSite=Strict cookie).
#include <map>
#include <nlohmann/json.hpp>

#include "context.hpp"
#include "json_body.hpp"
#include "wangge/service/accounts.hpp"
#include "wangge/util/error.hpp"

namespace wangge::http {
namespace {

using nlohmann::json;

constexpr std::size_t kSmallBody = 4096;

json actor_json(const dispatch::Actor& a) {
  json j{{"id", a.id}, {"name", a.name}, {"role", to_string(a.role)}};
  if (!a.grids.empty()) j["grids"] = a.grids;
  if (!a.department.empty()) j["department"] = a.department;
  return j;
}

/// The session cookie: the token, readable by no script, sent to this site only.
std::string session_cookie(const Context& ctx, const std::string& token, long long max_age) {
  return std::string(kSessionCookie) + "=" + token +
         "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age) +
         (ctx.config.secure_cookies ? "; Secure" : "");
}

/// A sign-in body must be JSON sent by a script of this site: a cross-site form (text/plain
/// can carry a JSON-looking body) could otherwise sign a visitor in as someone else.
void require_same_site_json(const Request& req) {
  const std::string type = req.header("content-type").value_or("");
  if (type.rfind("application/json", 0) != 0) {
    throw Error(
        ErrorCode::invalid_argument,
        "the body must be application/json (Content-Type), not '" + type.substr(0, 60) + "'");
  }
  if (req.header("sec-fetch-site").value_or("") == "cross-site")
    throw Error(ErrorCode::forbidden, "signing in from another site is not allowed");
}

Response signed_in(Context& ctx, const Request& req, const service::SignIn& s) {
  const long long max_age =
      std::chrono::duration_cast<std::chrono::seconds>(s.expires_at - req.now).count();
  return json_response(201, json{{"login", s.login},
                                 {"actor", actor_json(s.actor)},
                                 {"csrf_token", s.csrf},
                                 {"expires_at", iso(ctx, s.expires_at)}}
                                .dump())
      .header("Set-Cookie", session_cookie(ctx, s.token, max_age))
      .header("Cache-Control", "no-store");
}

[[noreturn]] void refused(const service::SignIn& s, const char* what) {
  if (s.outcome == service::SignIn::Outcome::locked) {
    throw Error(ErrorCode::rate_limited,
                "too many failed sign-ins for this login: it is locked for " +
                    std::to_string(s.retry_after.count()) + " s",
                s.retry_after);
  }
  throw Error(ErrorCode::unauthorized, what);
}

/// The answer to a sign-in: the session, or the refusal (whose address pays for it).
Response answer(Context& ctx, Request& req, const service::SignIn& s, const char* what) {
  if (s.outcome == service::SignIn::Outcome::ok) return signed_in(ctx, req, s);
  req.auth_failed = true;
  refused(s, what);
}

/// POST /api/v1/session — staff sign-in: {login, password}.
Response sign_in(Context& ctx, Request& req) {
  require_same_site_json(req);
  const json body = parse_object(req.body);
  Fields f(body);
  const std::string login = f.text("login").value_or("");
  const std::string password = f.text("password").value_or("");
  f.no_others();
  if (login.empty() || password.empty())
    throw Error(ErrorCode::invalid_argument, "fields 'login' and 'password' are required");
  return answer(ctx, req, ctx.service.accounts().sign_in(login, password, req.now),
                "the login or the password is wrong");
}

/// POST /api/v1/session/code — a one-time code to a resident's phone: {phone}.
Response send_code(Context& ctx, Request& req) {
  require_same_site_json(req);
  const json body = parse_object(req.body);
  Fields f(body);
  const std::string phone = f.text("phone").value_or("");
  f.no_others();
  if (phone.empty()) throw Error(ErrorCode::invalid_argument, "field 'phone' is required");
  const service::CodeRequest c = ctx.service.accounts().send_code(phone, req.now, req.client);
  if (!c.sent) {
    throw Error(ErrorCode::rate_limited,
                "a code was sent to this phone a moment ago: ask again in " +
                    std::to_string(c.retry_after.count()) + " s",
                c.retry_after);
  }
  return json_response(202, json{{"sent", true},
                                 {"expires_in_s", c.expires_in.count()},
                                 {"resend_after_s", c.retry_after.count()}}
                                .dump());
}

/// POST /api/v1/session/phone — resident sign-in: {phone, code}.
Response sign_in_by_code(Context& ctx, Request& req) {
  require_same_site_json(req);
  const json body = parse_object(req.body);
  Fields f(body);
  const std::string phone = f.text("phone").value_or("");
  const std::string code = f.text("code").value_or("");
  f.no_others();
  if (phone.empty() || code.empty())
    throw Error(ErrorCode::invalid_argument, "fields 'phone' and 'code' are required");
  return answer(ctx, req, ctx.service.accounts().sign_in_with_code(phone, code, req.now),
                "the code is wrong, spent or expired: ask for a new one");
}

/// GET /api/v1/session — who the caller is.
Response whoami(Context& ctx, Request& req) {
  if (!req.authenticated)
    throw Error(ErrorCode::unauthorized, "not signed in (no session cookie and no API key)");
  json j{{"actor", actor_json(req.actor)}};
  if (!req.login.empty()) {
    j["login"] = req.login;
    j["csrf_token"] = req.csrf;
    j["expires_at"] = iso(ctx, req.session_expires);
  }
  return json_response(200, j.dump()).header("Cache-Control", "no-store");
}

/// DELETE /api/v1/session — sign out (the cookie is cleared too).
Response sign_out(Context& ctx, Request& req) {
  if (!req.session_token.empty()) ctx.service.accounts().sign_out(req.session_token);
  Response r{204, "application/json", "", nullptr, {}};
  r.header("Set-Cookie", session_cookie(ctx, "", 0));
  return r;
}

/// PUT /api/v1/session/password — a signed-in staff member's own password:
/// {current_password, new_password}. Ends the login's other sessions.
Response change_password(Context& ctx, Request& req) {
  if (req.login.empty())
    throw Error(ErrorCode::unauthorized, "changing a password needs a signed-in session");
  const json body = parse_object(req.body);
  Fields f(body);
  const std::string current = f.text("current_password").value_or("");
  const std::string next = f.text("new_password").value_or("");
  f.no_others();
  try {
    ctx.service.accounts().change_password(req.login, current, next, req.session_hash, req.now);
  } catch (const Error& e) {
    if (e.code() == ErrorCode::unauthorized) req.auth_failed = true;  // guessing costs
    throw;
  }
  return Response{204, "application/json", "", nullptr, {}};
}

json account_json(Context& ctx, const store::Account& a) {
  json j{{"login", a.login},
         {"actor", a.actor},
         {"kind", a.password_hash.empty() ? "resident" : "staff"},
         {"disabled", a.disabled},
         {"failures", a.failures},
         {"locked_until",
          a.locked_until > dispatch::Instant{} ? json(iso(ctx, a.locked_until)) : json()},
         {"created_at", iso(ctx, a.created_at)},
         {"updated_at", iso(ctx, a.updated_at)}};
  if (const dispatch::Actor* staff = ctx.service.reference()->staff_member(a.actor)) {
    j["name"] = staff->name;
    j["role"] = to_string(staff->role);
  }
  return j;
}

/// GET /api/v1/admin/accounts[?kind=staff|resident] (admins).
Response list_accounts(Context& ctx, Request& req) {
  require(req, {dispatch::Role::admin});
  const std::string kind = req.param("kind").value_or("");
  if (!kind.empty() && kind != "staff" && kind != "resident")
    throw Error(ErrorCode::invalid_argument, "'kind' must be 'staff' or 'resident'");
  const store::AccountKind which = kind == "staff"      ? store::AccountKind::staff
                                   : kind == "resident" ? store::AccountKind::resident
                                                        : store::AccountKind::any;
  json items = json::array();
  for (const store::Account& a : ctx.service.accounts().list(which))
    items.push_back(account_json(ctx, a));
  return json_response(200, json{{"accounts", items}}.dump()).header("Cache-Control", "no-store");
}

/// GET /api/v1/admin/staff (admins): the organisation's staff (organisation.json), each with
/// the logins that sign in as them: whom an account may be made for.
Response list_staff(Context& ctx, Request& req) {
  require(req, {dispatch::Role::admin});
  std::map<std::string, std::vector<std::string>> logins;
  for (const store::Account& a : ctx.service.accounts().list(store::AccountKind::staff))
    logins[a.actor].push_back(a.login);
  json items = json::array();
  for (const dispatch::Actor& s : ctx.service.reference()->staff) {
    json j = actor_json(s);
    j["logins"] = logins[s.id];
    items.push_back(std::move(j));
  }
  return json_response(200, json{{"staff", items}}.dump()).header("Cache-Control", "no-store");
}

/// POST /api/v1/admin/accounts — {login, staff_id, password?}: the password is generated
/// (and shown in this answer only) when not given.
Response add_account(Context& ctx, Request& req) {
  require(req, {dispatch::Role::admin});
  const json body = parse_object(req.body);
  Fields f(body);
  const std::string login = f.text("login").value_or("");
  const std::string staff = f.text("staff_id").value_or("");
  const auto given = f.text("password");
  f.no_others();
  if (login.empty() || staff.empty())
    throw Error(ErrorCode::invalid_argument, "fields 'login' and 'staff_id' are required");
  const std::string password =
      ctx.service.accounts().add_staff(login, staff, given.value_or(""), req.now);
  json j{{"login", login}, {"staff_id", staff}};
  if (!given) j["password"] = password;
  return json_response(201, j.dump()).header("Cache-Control", "no-store");
}

std::string login_param(const Request& req) {
  const std::string login = req.params.at("login");
  service::Accounts::check_login(login.starts_with("tel:") ? "x" + login.substr(4) : login);
  return login;
}

/// POST /api/v1/admin/accounts/{login}/reset — a new generated password, shown once.
Response reset_account(Context& ctx, Request& req) {
  require(req, {dispatch::Role::admin});
  const std::string login = login_param(req);
  const std::string password = ctx.service.accounts().reset_password(login, req.now);
  return json_response(200, json{{"login", login}, {"password", password}}.dump())
      .header("Cache-Control", "no-store");
}

Response set_disabled(Context& ctx, Request& req, bool disabled) {
  require(req, {dispatch::Role::admin});
  const std::string login = login_param(req);
  ctx.service.accounts().set_disabled(login, disabled, req.now, req.login);
  return json_response(200, json{{"login", login}, {"disabled", disabled}}.dump());
}
/// POST /api/v1/admin/accounts/{login}/disable — ends its sessions at once.
Response disable_account(Context& ctx, Request& req) {
  return set_disabled(ctx, req, true);
}
/// POST /api/v1/admin/accounts/{login}/enable
Response enable_account(Context& ctx, Request& req) {
  return set_disabled(ctx, req, false);
}

}  // namespace

void add_account_routes(Router& router, Context& ctx) {
  const auto to = [&ctx](ContextHandler fn) { return with_context(ctx, fn); };
  const Execution worker = Execution::worker;
  router.add({"POST", "/api/v1/session", {}, to(sign_in), worker, {}, kSmallBody});
  router.add({"GET", "/api/v1/session", {}, to(whoami), worker});
  router.add({"DELETE", "/api/v1/session", {}, to(sign_out), worker});
  router.add({"POST", "/api/v1/session/code", {}, to(send_code), worker, {}, kSmallBody});
  router.add({"POST", "/api/v1/session/phone", {}, to(sign_in_by_code), worker, {}, kSmallBody});
  router.add({"PUT", "/api/v1/session/password", {}, to(change_password), worker, {}, kSmallBody});
  router.add({"GET", "/api/v1/admin/accounts", {}, to(list_accounts), worker});
  router.add({"POST", "/api/v1/admin/accounts", {}, to(add_account), worker, {}, kSmallBody});
  router.add({"GET", "/api/v1/admin/staff", {}, to(list_staff), worker});
  router.add({"POST", "/api/v1/admin/accounts/{login}/reset", {}, to(reset_account), worker});
  router.add({"POST", "/api/v1/admin/accounts/{login}/disable", {}, to(disable_account), worker});
  router.add({"POST", "/api/v1/admin/accounts/{login}/enable", {}, to(enable_account), worker});
}

}  // namespace wangge::http
