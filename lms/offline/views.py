"""The service worker, the web app manifest and the offline shell page."""
