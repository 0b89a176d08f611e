"""The decision service (``tpm-fit serve``): a JSON API, roles, and an HR web page.

The application (:mod:`.app`, :mod:`.api`, :mod:`.pages`) needs the ``server`` extra
(``pip install "tpm-fit[server]"``: FastAPI, uvicorn, Jinja2); the token store (:mod:`.tokens`)
and the settings (:mod:`.settings`) need only the core, so ``tpm-fit tokens`` works without it.
Nothing is imported here. See ``docs/service.md``.
"""
