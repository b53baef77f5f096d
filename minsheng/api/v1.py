from ninja import NinjaAPI
api = NinjaAPI(title='minsheng', version='1')
