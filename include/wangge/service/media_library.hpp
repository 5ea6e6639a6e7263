#pragma once
// Photos of cases: uploads made safe (media/image.hpp) and kept in the store, who may see them,
// and which a report or an action may cite. Every rule is here; HTTP and Open311 parse and
// render.
//
// - An upload needs a signed-in person or a key (never anonymous); each owner has an hourly
//   quota, and at most a few images are decoded at once (the rest wait briefly, then 503).
// - A photo no case cites is its uploader's alone; once a case cites it, whoever may see the
//   case may see it (the public only for a public category, like the case itself).
// - A report or an action cites only its author's own uploads by id ("m_…"), or https URLs.
// - Photos no case took within a day are deleted by the ticker.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wangge/dispatch/organisation.hpp"
#include "wangge/media/image.hpp"
#include "wangge/store/media.hpp"

namespace wangge {
class Gate;
}  // namespace wangge

namespace wangge::service {

struct MediaPolicy {
  media::ImageLimits image;
  std::size_t uploads_per_hour = 200;           ///< per owner (a grid worker's busy day)
  unsigned concurrent_decodes = 2;              ///< images decoded at once; more wait
  std::chrono::milliseconds decode_wait{1000};  ///< … this long, then 503
  std::chrono::hours keep_unattached{24};       ///< a photo no case cites, then deleted
};

struct UploadedMedia {
  store::MediaRecord record;
  std::optional<media::Position> suggested_location;  ///< the EXIF position (WGS-84)
};

/// A photo's bytes as served.
struct MediaFile {
  store::MediaRecord record;
  std::string bytes;  ///< JPEG
  std::string etag;   ///< quoted, for the ETag header
};

class MediaLibrary {
 public:
  /// Whether @p viewer may see the case @p report_id (the case's own rule, privacy included).
  using CaseVisible =
      std::function<bool(const std::string& report_id, const dispatch::Actor& viewer)>;

  MediaLibrary(store::MediaStore& store, CaseVisible case_visible, MediaPolicy policy = {});
  ~MediaLibrary();

  /// Checks, re-encodes and stores one image for @p by.
  /// @throws Error(unauthorized) for an anonymous actor, Error(rate_limited) past the hourly
  ///         quota, Error(unavailable) when too many images are being decoded, and the image
  ///         errors of media::process (415, 413, invalid_data); nothing is stored then.
  UploadedMedia upload(std::string_view bytes, const dispatch::Actor& by, dispatch::Instant now);

  /// The record and ETag of the display copy (or thumbnail) of @p id for @p viewer, without
  /// its bytes (`bytes` empty: a conditional request may need none; see read).
  /// @throws Error(not_found) for an unknown id and for one @p viewer may not see (the same
  ///         answer, so ids cannot be probed).
  MediaFile describe(const std::string& id, bool thumbnail, const dispatch::Actor& viewer);
  /// Reads the bytes of @p f (from describe). @throws Error(not_found) when purged since.
  void read(MediaFile& f, bool thumbnail);

  /// Checks the photos a report or action by @p by cites: every media id must name an upload
  /// of @p by's own. @throws Error(invalid_argument) naming the first that does not.
  void check_citations(const std::vector<std::string>& media, const dispatch::Actor& by);

  /// Deletes the upload @p id unless a case cites it (a request that failed after its photo
  /// was stored: nothing of it is kept).
  void discard(const std::string& id) noexcept;

  /// Deletes the uploads no case cited within the policy's time. @returns how many.
  std::size_t purge(dispatch::Instant now);

  const MediaPolicy& policy() const { return policy_; }

  /// Whether @p media_owner is @p actor, or the app @p actor came through (Actor::via).
  static bool uploaded_by(const std::string& media_owner, const dispatch::Actor& actor);

 private:
  struct Quota;
  store::MediaStore& store_;
  CaseVisible case_visible_;
  MediaPolicy policy_;
  std::unique_ptr<Gate> decodes_;
  std::unique_ptr<Quota> quota_;
};

/// The path a photo is served at: /api/v1/media/<id> (thumbnail: …/thumbnail).
std::string media_path(const std::string& id, bool thumbnail = false);

}  // namespace wangge::service
