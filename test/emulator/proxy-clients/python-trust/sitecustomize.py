"""Stands in for the system CA store in tests (a test must not change the machine's store): Python's
twilio SDK reads only requests' default bundle, so point that at SF_TEST_CA_BUNDLE. Users install the
emulator's CA in the system store instead (docs/offline-testing.md)."""
import os

import requests.adapters

requests.adapters.DEFAULT_CA_BUNDLE_PATH = os.environ["SF_TEST_CA_BUNDLE"]
