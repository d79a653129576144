from competition import create_app

app = create_app()
