"""Sites as data: the built-in site profiles (``*.toml``), the CMS presets (``cms/*.toml``) and
the loader that reads and validates them (``parknews.sites.profiles``). Both sides read
profiles: the crawler to walk a site, the archive side to re-extract and to judge runs."""
