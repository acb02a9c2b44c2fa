#q  = affine_map<(b, h, n, d) -> (b, h, d)>
#kg = affine_map<(b, h, n, d) -> (b, h floordiv 2, n, d)>
#s  = affine_map<(b, h, n, d) -> (b, h, n)>
#e3 = affine_map<(b, h, n) -> (b, h, n)>
#m3 = affine_map<(b, h, n) -> (b, h floordiv 2, n)>
#p  = affine_map<(b, h, d, n) -> (b, h, n)>
#vg = affine_map<(b, h, d, n) -> (b, h floordiv 2, n, d)>
#o  = affine_map<(b, h, d, n) -> (b, h, d)>
