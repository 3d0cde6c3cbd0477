"""Flask extensions, created here and bound to the app in create_app."""
from flask_babel import Babel
from flask_compress import Compress
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from htmx_flask import Htmx

babel = Babel()
compress = Compress()  # gzip/brotli/zstd of HTML, CSS and JS unless COMPRESS_RESPONSES is off
csrf = CSRFProtect()
login_manager = LoginManager()
htmx = Htmx()
