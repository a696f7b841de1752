"""Importers: turn outside sources (Wikidata's P190 statements, CSV lists of twin towns) into data files.

Each importer writes one Turtle file in the project's own data format (one named graph per import, with its
source described), so `munigraph build` reads it like any curated file.
"""
