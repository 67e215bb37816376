"""Exporters and importers that read and write the papershelf store; no Flask here."""
