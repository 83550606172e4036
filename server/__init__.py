"""The hall's central server: storage, the service layer, the web API and the live protocol."""
