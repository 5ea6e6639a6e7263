#include "wangge/service/media_library.hpp"

#include <mutex>
#include <unordered_map>

#include "wangge/dispatch/workflow.hpp"
#include "wangge/service/accounts.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/gate.hpp"
#include "wangge/util/sha256.hpp"

namespace wangge::service {

struct MediaLibrary::Quota {
  std::mutex mutex;
  /// Uploads tried per owner in the current hour on this node, kept or not: a photo discarded
  /// (its request failed) still cost a decode. Cleared when the hour turns.
  std::unordered_map<std::string, std::size_t> tried;
  dispatch::Instant window_start;
};

MediaLibrary::MediaLibrary(store::MediaStore& store, CaseVisible case_visible, MediaPolicy policy)
    : store_(store),
      case_visible_(std::move(case_visible)),
      policy_(policy),
      decodes_(std::make_unique<Gate>(policy.concurrent_decodes, policy.decode_wait)),
      quota_(std::make_unique<Quota>()) {}

MediaLibrary::~MediaLibrary() = default;

std::string media_path(const std::string& id, bool thumbnail) {
  return "/api/v1/media/" + id + (thumbnail ? "/thumbnail" : "");
}

bool MediaLibrary::uploaded_by(const std::string& owner, const dispatch::Actor& actor) {
  if (owner.empty()) return false;
  return owner == actor.id || owner == actor.via;
}

UploadedMedia MediaLibrary::upload(std::string_view bytes, const dispatch::Actor& by,
                                   dispatch::Instant now) {
  if (by.anonymous || by.id.empty())
    throw Error(ErrorCode::unauthorized, "uploading a photo needs a signed-in user or a key");
  const Error too_many(ErrorCode::rate_limited,
                       "at most " + std::to_string(policy_.uploads_per_hour) +
                           " photos an hour may be uploaded by one account; try again later");
  {
    std::lock_guard lock(quota_->mutex);
    if (now - quota_->window_start >= std::chrono::hours(1) || now < quota_->window_start) {
      quota_->tried.clear();
      quota_->window_start = now;
    }
    if (++quota_->tried[by.id] > policy_.uploads_per_hour) throw too_many;
  }
  // Kept uploads across nodes and restarts.
  if (store_.media_count_since(by.id, now - std::chrono::hours(1)) >= policy_.uploads_per_hour)
    throw too_many;
  const media::ProcessedImage image =
      decodes_->run([&] { return media::process(bytes, policy_.image); },
                    "too many photos are being processed; retry shortly");
  UploadedMedia out;
  store::MediaRecord& m = out.record;
  m.id = "m_" + secret::random_token(16);
  m.owner = by.id;
  m.created_at = now;
  m.width = image.width;
  m.height = image.height;
  m.thumbnail_width = image.thumbnail_width;
  m.thumbnail_height = image.thumbnail_height;
  m.bytes = image.display.size();
  m.etag = sha256_hex(image.display);
  m.thumbnail_etag = sha256_hex(image.thumbnail);
  store_.insert_media(m, image.display, image.thumbnail);
  out.suggested_location = image.exif_position;
  return out;
}

void MediaLibrary::read(MediaFile& f, bool thumbnail) {
  auto bytes = store_.media_bytes(f.record.id, thumbnail);
  if (!bytes) throw Error(ErrorCode::not_found, "photo " + f.record.id + " does not exist");
  f.bytes = std::move(*bytes);
}

MediaFile MediaLibrary::describe(const std::string& id, bool thumbnail,
                                 const dispatch::Actor& viewer) {
  auto hidden = [&] { return Error(ErrorCode::not_found, "photo " + id + " does not exist"); };
  if (!dispatch::is_media_id(id)) throw hidden();
  auto record = store_.media(id);
  if (!record) throw hidden();
  const bool may = record->report_id.empty()
                       ? !viewer.anonymous && uploaded_by(record->owner, viewer)
                       : case_visible_(record->report_id, viewer);
  if (!may) throw hidden();
  MediaFile out{std::move(*record), "", ""};
  out.etag = "\"" + (thumbnail ? out.record.thumbnail_etag : out.record.etag) + "\"";
  return out;
}

void MediaLibrary::check_citations(const std::vector<std::string>& media,
                                   const dispatch::Actor& by) {
  for (const std::string& m : media) {
    if (!dispatch::is_media_id(m)) continue;  // an https URL (the domain checked its form)
    auto record = store_.media(m);
    if (!record || !uploaded_by(record->owner, by)) {
      throw Error(ErrorCode::invalid_argument,
                  "media '" + m + "' is not a photo uploaded by you (POST /api/v1/media first)");
    }
  }
}

void MediaLibrary::discard(const std::string& id) noexcept {
  try {
    (void)store_.delete_unattached(id);
  } catch (...) {
    // Left for the purge a day later; the caller's own error is the one to report.
  }
}

std::size_t MediaLibrary::purge(dispatch::Instant now) {
  return store_.delete_unattached_media(now - policy_.keep_unattached);
}

}  // namespace wangge::service
