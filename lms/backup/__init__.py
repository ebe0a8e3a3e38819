"""Backup and restore of an instance: `flask lms backup`, `flask lms restore` (see archive.py).

On top of the features (it reads where courses keep uploads and certificates keep their keys),
like the API.
"""
