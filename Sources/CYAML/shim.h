// The system libyaml (Debian: libyaml-dev), used by PeapodManifest's YAMLLoader through its
// event API. Static builds link libyaml.a.
#include <yaml.h>
