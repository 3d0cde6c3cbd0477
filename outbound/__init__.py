"""What leaves the app: mail, Web Push, the calendar feed and the invoice PDF.

The only package that reads the Flask application (`current_app`, `render_template`, the
URL map): the domain calls it to tell someone something, and never needs a request.
It imports models and `formatting`, never `domain`.
"""
