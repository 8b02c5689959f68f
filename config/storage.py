"""Static files in production: hashed names from a manifest (settings: STATIC_MANIFEST)."""

from django.contrib.staticfiles.storage import ManifestStaticFilesStorage


class StaticManifestStorage(ManifestStaticFilesStorage):
    """Django's manifest storage, without rewriting `sourceMappingURL` comments in JavaScript:
    the vendored minified libraries (static/vendor) name source maps that are not shipped, and
    collectstatic would stop on the missing file. Stylesheets' url() and @import are still
    rewritten to the hashed names."""

    patterns = tuple(
        (extension, rules)
        for extension, rules in ManifestStaticFilesStorage.patterns
        if extension != "*.js"
    )
