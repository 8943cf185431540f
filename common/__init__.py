"""What both apps share and neither owns: the services' exception family (``exceptions``) and the JSON
API's plumbing (``api``). Below ``forum`` and ``aiassist``, it imports neither; ``config`` only names its
classes in settings.REST_FRAMEWORK."""
