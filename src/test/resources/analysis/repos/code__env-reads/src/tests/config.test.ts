process.env.NOTIFY_FAKE_SERVER = "http://127.0.0.1:9";
