// Photos: POST /api/v1/media (multipart/form-data with a `file` part, or the image itself as the
// body) and GET /api/v1/media/{id}[/thumbnail]. The rules live in wangge::service::MediaLibrary
// (who may upload and see, quotas) and media::process (types, limits, EXIF); these handlers parse,
// call and render.
#include <nlohmann/json.hpp>

#include "context.hpp"
#include "wangge/service/media_library.hpp"
#include "wangge/util/error.hpp"

namespace wangge::http {
namespace {

using nlohmann::json;

/// The image bytes of an upload: the `file` part of a multipart/form-data body (or its only
/// part with a file name), or the body itself when its type is an image.
std::string_view upload_bytes(const Request& req, std::vector<FormPart>& parts) {
  const std::string type = req.header("content-type").value_or("");
  if (auto boundary = multipart_boundary(type)) {
    auto parsed = parse_multipart(req.body, *boundary);
    if (!parsed)
      throw Error(ErrorCode::invalid_argument,
                  "the multipart/form-data body is malformed (each part needs a "
                  "Content-Disposition with a name, and the body a closing boundary)");
    parts = std::move(*parsed);
    const FormPart* chosen = nullptr;
    for (const FormPart& p : parts)
      if (p.name == "file" || (!chosen && !p.filename.empty())) chosen = &p;
    if (!chosen)
      throw Error(ErrorCode::invalid_argument, "the form has no 'file' part holding the photo");
    return chosen->value;
  }
  if (type.starts_with("image/") || type.starts_with("application/octet-stream")) return req.body;
  throw Error(ErrorCode::unsupported_media_type,
              "send the photo as multipart/form-data with a 'file' part, or as the body with "
              "Content-Type image/jpeg, image/png or image/webp (not '" +
                  type.substr(0, 60) + "')");
}

/// POST /api/v1/media — 201 with the photo's id, URLs and the EXIF position as a suggestion.
Response upload(Context& ctx, Request& req) {
  if (!req.authenticated)
    throw Error(ErrorCode::unauthorized, "uploading a photo needs a sign-in or an API key");
  std::vector<FormPart> parts;
  const std::string_view bytes = upload_bytes(req, parts);
  const service::UploadedMedia up = ctx.service.media().upload(bytes, req.actor, req.now);
  const store::MediaRecord& m = up.record;
  json body{{"id", m.id},
            {"url", ctx.base_url(req) + service::media_path(m.id)},
            {"thumbnail_url", ctx.base_url(req) + service::media_path(m.id, true)},
            {"content_type", "image/jpeg"},
            {"width", m.width},
            {"height", m.height},
            {"thumbnail_width", m.thumbnail_width},
            {"thumbnail_height", m.thumbnail_height},
            {"bytes", m.bytes},
            {"suggested_location", nullptr}};
  if (up.suggested_location) {
    body["suggested_location"] = {{"lon", up.suggested_location->lon},
                                  {"lat", up.suggested_location->lat},
                                  {"datum", "wgs84"},
                                  {"source", "exif"}};
  }
  return json_response(201, body.dump())
      .header("Location", ctx.base_url(req) + service::media_path(m.id))
      .header("Cache-Control", "no-store");
}

Response serve(Context& ctx, Request& req, bool thumbnail) {
  const dispatch::Actor viewer = caller_of(req);
  // Authorised and described first: a revalidation (304) reads no image bytes.
  service::MediaFile f = ctx.service.media().describe(req.params.at("id"), thumbnail, viewer);
  Response r;
  // The bytes of an id never change; who may see them can (a case made private, a sign-out on
  // a shared phone), so browsers keep them but ask every time (a 304 by ETag costs nothing).
  r.header("ETag", f.etag).header("Cache-Control", "private, no-cache");
  if (not_modified(req, f.etag)) {
    r.status = 304;
    return r;
  }
  ctx.service.media().read(f, thumbnail);
  r.content_type = "image/jpeg";
  r.header("Content-Disposition",
           "inline; filename=\"" + f.record.id + (thumbnail ? "-thumbnail" : "") + ".jpg\"");
  r.body = std::move(f.bytes);
  return r;
}

/// GET /api/v1/media/{id} — the display copy, to whoever may see the case citing it.
Response photo(Context& ctx, Request& req) {
  return serve(ctx, req, false);
}
/// GET /api/v1/media/{id}/thumbnail
Response thumbnail(Context& ctx, Request& req) {
  return serve(ctx, req, true);
}

}  // namespace

void add_media_routes(Router& router, Context& ctx) {
  const auto to = [&ctx](ContextHandler fn) { return with_context(ctx, fn); };
  const Execution worker = Execution::worker;
  router.add({"POST", "/api/v1/media", {}, to(upload), worker, {}, kMaxUploadBody});
  router.add({"GET", "/api/v1/media/{id}", {}, to(photo), worker});
  router.add({"GET", "/api/v1/media/{id}/thumbnail", {}, to(thumbnail), worker});
}

}  // namespace wangge::http
