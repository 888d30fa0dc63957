import os
URL = os.environ["DATABASE_URL"]
