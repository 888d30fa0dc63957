import os

DSN = os.environ["PG_DSN"]
